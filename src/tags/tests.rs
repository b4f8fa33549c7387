use std::fmt::Debug;
use std::str::FromStr;

use super::*;

/// Asserts that `text` parses to `value` and that `value` renders back to `text`.
fn assert_round_trip<T>(text: &str, value: T)
where
    T: FromStr<Err = TagError> + std::fmt::Display + PartialEq + Debug,
{
    let parsed: T = text
        .parse()
        .unwrap_or_else(|err| panic!("`{text}` failed: {err}"));
    assert_eq!(parsed, value, "parsing `{text}`");
    assert_eq!(value.to_string(), text, "rendering {value:?}");
}

fn manylinux(major: u16, minor: u16, arch: Arch) -> PlatformTag {
    PlatformTag::Manylinux { major, minor, arch }
}

#[test]
fn python_tags_round_trip() {
    assert_round_trip("cp38", PythonTag::CPython { major: 3, minor: 8 });
    assert_round_trip(
        "cp313",
        PythonTag::CPython {
            major: 3,
            minor: 13,
        },
    );
    assert_round_trip("pp39", PythonTag::PyPy { major: 3, minor: 9 });
    assert_round_trip(
        "pp310",
        PythonTag::PyPy {
            major: 3,
            minor: 10,
        },
    );
    assert_round_trip("py3", PythonTag::Generic { major: 3 });
}

#[test]
fn malformed_python_tags_are_rejected_with_the_input_quoted() {
    for bad in [
        "", "cp", "cp3", "cp308", "cq38", "py", "py38", "py0", "CP38", "cp3x",
    ] {
        let err = bad.parse::<PythonTag>().unwrap_err();
        assert!(matches!(err, TagError::Python(ref s) if s == bad), "{bad}");
    }
    insta::assert_snapshot!(
        "cp3".parse::<PythonTag>().unwrap_err(),
        @"invalid Python tag `cp3`: expected `cpXY`, `ppXY` or `pyX` (e.g. `cp38`, `pp310`, `py3`)"
    );
}

#[test]
fn abi_tags_round_trip() {
    let cp = |minor, free_threaded, debug| AbiTag::CPython {
        major: 3,
        minor,
        free_threaded,
        debug,
    };
    assert_round_trip("none", AbiTag::None);
    assert_round_trip("abi3", AbiTag::Abi3);
    assert_round_trip("cp313", cp(13, false, false));
    assert_round_trip("cp313t", cp(13, true, false));
    assert_round_trip("cp38d", cp(8, false, true));
    assert_round_trip("cp313td", cp(13, true, true));
    assert_round_trip(
        "pypy39_pp73",
        AbiTag::PyPy {
            major: 3,
            minor: 9,
            pypy_abi: 73,
        },
    );
}

#[test]
fn abi3_tag_renders_as_abi3() {
    assert_eq!(AbiTag::Abi3.to_string(), "abi3");
}

#[test]
fn malformed_abi_tags_are_rejected() {
    for bad in [
        "",
        "abi4",
        "cp38m",
        "cp313dt",
        "cp",
        "pypy39",
        "pypy39_pp",
        "pypy_pp73",
    ] {
        let err = bad.parse::<AbiTag>().unwrap_err();
        assert!(matches!(err, TagError::Abi(ref s) if s == bad), "{bad}");
    }
}

#[test]
fn pypy_soabi_becomes_the_pypy_abi_tag() {
    let tag = AbiTag::from_pypy_soabi("pypy310-pp73").unwrap();
    assert_eq!(tag.to_string(), "pypy310_pp73");
    assert!(matches!(
        AbiTag::from_pypy_soabi("cpython-313-x86_64-linux-gnu"),
        Err(TagError::PyPySoabi(_))
    ));
    assert!(matches!(
        AbiTag::from_pypy_soabi("cp313"),
        Err(TagError::PyPySoabi(_))
    ));
}

#[test]
fn architectures_round_trip_and_unknown_ones_are_kept() {
    assert_round_trip("x86_64", Arch::X86_64);
    assert_round_trip("i686", Arch::I686);
    assert_round_trip("aarch64", Arch::Aarch64);
    assert_round_trip("armv7l", Arch::Armv7l);
    assert_round_trip("ppc64le", Arch::Ppc64le);
    assert_round_trip("s390x", Arch::S390x);
    assert_round_trip("riscv64", Arch::Riscv64);
    assert_round_trip("loongarch64", Arch::Other("loongarch64".to_string()));
    for bad in ["", "X86_64", "x86-64", "arm 64"] {
        assert!(
            matches!(bad.parse::<Arch>(), Err(TagError::Arch(_))),
            "{bad}"
        );
    }
}

#[test]
fn platform_tags_round_trip() {
    assert_round_trip("any", PlatformTag::Any);
    assert_round_trip("linux_x86_64", PlatformTag::Linux { arch: Arch::X86_64 });
    assert_round_trip("manylinux_2_17_x86_64", manylinux(2, 17, Arch::X86_64));
    assert_round_trip("manylinux_2_28_aarch64", manylinux(2, 28, Arch::Aarch64));
    assert_round_trip(
        "musllinux_1_2_x86_64",
        PlatformTag::Musllinux {
            major: 1,
            minor: 2,
            arch: Arch::X86_64,
        },
    );
    assert_round_trip(
        "macosx_11_0_arm64",
        PlatformTag::MacOs {
            major: 11,
            minor: 0,
            arch: Arch::Aarch64,
        },
    );
    assert_round_trip(
        "macosx_10_9_universal2",
        PlatformTag::MacOs {
            major: 10,
            minor: 9,
            arch: Arch::Other("universal2".to_string()),
        },
    );
    assert_round_trip("win_amd64", PlatformTag::WinAmd64);
    assert_round_trip("win32", PlatformTag::Win32);
    assert_round_trip("win_arm64", PlatformTag::WinArm64);
}

#[test]
fn legacy_manylinux_tags_round_trip() {
    for (text, policy, arch) in [
        (
            "manylinux1_x86_64",
            ManylinuxLegacy::Manylinux1,
            Arch::X86_64,
        ),
        (
            "manylinux2010_i686",
            ManylinuxLegacy::Manylinux2010,
            Arch::I686,
        ),
        (
            "manylinux2014_aarch64",
            ManylinuxLegacy::Manylinux2014,
            Arch::Aarch64,
        ),
    ] {
        assert_round_trip(text, PlatformTag::ManylinuxLegacy { policy, arch });
    }
}

#[test]
fn pep600_tags_have_their_legacy_alias_where_the_policy_covers_the_arch() {
    let alias = |tag: PlatformTag| tag.legacy_alias().map(|t| t.to_string());
    assert_eq!(
        alias(manylinux(2, 5, Arch::X86_64)).as_deref(),
        Some("manylinux1_x86_64")
    );
    assert_eq!(
        alias(manylinux(2, 12, Arch::I686)).as_deref(),
        Some("manylinux2010_i686")
    );
    assert_eq!(
        alias(manylinux(2, 17, Arch::Aarch64)).as_deref(),
        Some("manylinux2014_aarch64")
    );
    assert_eq!(alias(manylinux(2, 5, Arch::Aarch64)), None);
    assert_eq!(alias(manylinux(2, 28, Arch::X86_64)), None);
    assert_eq!(alias(PlatformTag::Any), None);
}

#[test]
fn legacy_manylinux_tags_map_back_to_pep600() {
    let legacy: PlatformTag = "manylinux2014_x86_64".parse().unwrap();
    assert_eq!(legacy.pep600_form(), Some(manylinux(2, 17, Arch::X86_64)));
    assert_eq!(PlatformTag::Win32.pep600_form(), None);
}

#[test]
fn malformed_platform_tags_are_rejected_with_the_input_quoted() {
    for bad in [
        "",
        "linux_",
        "linux_X86",
        "manylinux_2_x86_64",
        "manylinux_02_17_x86_64",
        "manylinux2015_x86_64",
        "musllinux_1_2_",
        "macosx_11_arm64",
        "win_amd32",
        "solaris",
    ] {
        let err = bad.parse::<PlatformTag>().unwrap_err();
        assert!(
            matches!(err, TagError::Platform(ref s) if s == bad),
            "{bad}"
        );
    }
}

#[test]
fn sysconfig_platforms_map_to_platform_tags() {
    let tag = |p: &str| PlatformTag::from_sysconfig_platform(p).unwrap().to_string();
    assert_eq!(tag("linux-x86_64"), "linux_x86_64");
    assert_eq!(tag("linux-aarch64"), "linux_aarch64");
    assert_eq!(tag("macosx-11.0-arm64"), "macosx_11_0_arm64");
    assert_eq!(tag("macosx-10.9-universal2"), "macosx_10_9_universal2");
    assert_eq!(tag("win-amd64"), "win_amd64");
    assert_eq!(tag("win32"), "win32");
    assert_eq!(tag("win-arm64"), "win_arm64");
    insta::assert_snapshot!(
        PlatformTag::from_sysconfig_platform("mingw-x86_64").unwrap_err(),
        @"unsupported sysconfig platform `mingw-x86_64`: expected e.g. `linux-x86_64` or `macosx-11.0-arm64`"
    );
}

#[test]
fn wheel_tags_render_python_abi_platform() {
    let tag: WheelTag = "cp38-abi3-linux_x86_64".parse().unwrap();
    assert_eq!(tag.python, PythonTag::CPython { major: 3, minor: 8 });
    assert_eq!(tag.abi, AbiTag::Abi3);
    assert_eq!(tag.to_string(), "cp38-abi3-linux_x86_64");
    assert!(matches!(
        "cp38-abi3".parse::<WheelTag>(),
        Err(TagError::WheelTag(_))
    ));
    assert!(matches!(
        "cp38-abi4-any".parse::<WheelTag>(),
        Err(TagError::Abi(_))
    ));
}

#[test]
fn names_normalize_per_pep503_and_escape_per_pep427() {
    assert_eq!(normalize_name("Friendly-Bard"), "friendly-bard");
    assert_eq!(normalize_name("FRIENDLY-BARD"), "friendly-bard");
    assert_eq!(normalize_name("friendly.bard"), "friendly-bard");
    assert_eq!(normalize_name("friendly_bard"), "friendly-bard");
    assert_eq!(normalize_name("friendly--bard"), "friendly-bard");
    assert_eq!(normalize_name("FrIeNdLy-._.-bArD"), "friendly-bard");
    assert_eq!(escape_name("FrIeNdLy-._.-bArD"), "friendly_bard");
    assert_eq!(escape_name("cffi_wheel.demo"), "cffi_wheel_demo");
}

fn demo_filename() -> WheelFilename {
    WheelFilename {
        name: "My.Package".to_string(),
        version: "1.0-post1".parse().unwrap(),
        build: None,
        python: vec![PythonTag::CPython { major: 3, minor: 8 }],
        abi: vec![AbiTag::Abi3],
        platform: vec![
            manylinux(2, 17, Arch::X86_64),
            manylinux(2, 17, Arch::X86_64).legacy_alias().unwrap(),
        ],
    }
}

#[test]
fn wheel_filename_escapes_the_name_and_normalizes_the_version() {
    let filename = demo_filename();
    assert_eq!(
        filename.to_string(),
        "my_package-1.0.post1-cp38-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    );
    assert_eq!(filename.dist_info_dir(), "my_package-1.0.post1.dist-info");
    assert_eq!(filename.data_dir(), "my_package-1.0.post1.data");
    assert_eq!(filename.libs_dir(), "my_package.libs");
}

#[test]
fn wheel_filename_expands_compressed_tag_sets_in_order() {
    let filename: WheelFilename = "demo-2.0-cp38.cp39-abi3-linux_x86_64.win32.whl"
        .parse()
        .unwrap();
    let tags: Vec<String> = filename.tags().iter().map(ToString::to_string).collect();
    assert_eq!(
        tags,
        [
            "cp38-abi3-linux_x86_64",
            "cp38-abi3-win32",
            "cp39-abi3-linux_x86_64",
            "cp39-abi3-win32",
        ]
    );
}

#[test]
fn wheel_filenames_round_trip() {
    for text in [
        "cffi_demo-0.1.0-cp38-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "cffi_demo-0.1.0-cp313-cp313t-musllinux_1_2_aarch64.whl",
        "cffi_demo-0.1.0-pp39-pypy39_pp73-macosx_11_0_arm64.whl",
        "cffi_demo-0.1.0+local.1-cp38-abi3-win_amd64.whl",
        "cffi_demo-1.0rc1-123abc-py3-none-any.whl",
    ] {
        let filename: WheelFilename = text.parse().unwrap_or_else(|err| panic!("{text}: {err}"));
        assert_eq!(filename.to_string(), text);
    }
}

#[test]
fn wheel_filename_parses_the_pep427_example() {
    let filename: WheelFilename = "distribution-1.0-1-py3-none-any.whl".parse().unwrap();
    assert_eq!(filename.name, "distribution");
    assert_eq!(filename.version.to_string(), "1.0");
    assert_eq!(filename.build.as_deref(), Some("1"));
    assert_eq!(filename.tags()[0].to_string(), "py3-none-any");
}

#[test]
fn malformed_wheel_filenames_are_rejected() {
    let err = |text: &str| text.parse::<WheelFilename>().unwrap_err();
    assert!(matches!(
        err("demo-1.0-py3-none-any.zip"),
        TagError::Filename { .. }
    ));
    assert!(matches!(
        err("demo-1.0-py3-any.whl"),
        TagError::Filename { .. }
    ));
    assert!(matches!(
        err("demo-one-py3-none-any.whl"),
        TagError::FilenameVersion { .. }
    ));
    assert!(matches!(
        err("demo-1.0-x1-py3-none-any.whl"),
        TagError::FilenamePart { .. }
    ));
    assert!(matches!(
        err("demo-1.0-cp38.cp38-abi3-any.whl"),
        TagError::Filename { .. }
    ));
    assert!(matches!(
        err("_demo-1.0-py3-none-any.whl"),
        TagError::FilenamePart { .. }
    ));
    insta::assert_snapshot!(
        err("demo-1.0-py3-none-any.zip"),
        @"invalid wheel file name `demo-1.0-py3-none-any.zip`: it does not end with `.whl`"
    );
    insta::assert_snapshot!(
        err("demo-1.0-cp38.cp38-abi3-any.whl"),
        @"invalid wheel file name `demo-1.0-cp38.cp38-abi3-any.whl`: the Python tag set repeats `cp38`"
    );
    let TagError::FilenamePart { source, .. } = err("demo-1.0-py3-abi4-any.whl") else {
        panic!("expected FilenamePart");
    };
    insta::assert_snapshot!(source, @"invalid ABI tag `abi4`: expected `none`, `abi3`, `cpXY` with optional `t`/`d` flags, or `pypyXY_ppN`");
}

#[test]
fn constructed_filenames_with_empty_tag_sets_fail_validation() {
    let mut filename = demo_filename();
    filename.abi.clear();
    assert!(matches!(
        filename.validate(),
        Err(TagError::Filename { .. })
    ));
}

#[test]
fn tags_serialize_as_their_string_form() {
    let filename = demo_filename();
    let json = serde_json::to_string(&filename).unwrap();
    assert_eq!(
        json,
        "\"my_package-1.0.post1-cp38-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl\""
    );
    let tags = serde_json::to_value(filename.tags()).unwrap();
    insta::assert_json_snapshot!(tags, @r#"
    [
      "cp38-abi3-manylinux_2_17_x86_64",
      "cp38-abi3-manylinux2014_x86_64"
    ]
    "#);
    let back: WheelFilename = serde_json::from_str(&json).unwrap();
    assert_eq!(back.to_string(), filename.to_string());
    assert!(serde_json::from_str::<PlatformTag>("\"solaris\"").is_err());
}
