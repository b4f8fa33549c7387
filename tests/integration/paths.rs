//! Links in a project, built for real: links inside the project ship their targets'
//! contents, and a link out of it ships only when the recipe allows it.

use std::ffi::OsStr;
use std::io::Read;
use std::path::Path;

use crate::context::{build_json, copy_fixture, run_cli, wheel_members};

/// (path, contents) of every regular file in the sdist `archive`.
fn sdist_members(archive: &Path) -> Vec<(String, Vec<u8>)> {
    let gz = flate2::read::GzDecoder::new(fs_err::File::open(archive).unwrap());
    let mut tar = tar::Archive::new(gz);
    tar.entries()
        .unwrap()
        .map(Result::unwrap)
        .map(|mut entry| {
            assert_eq!(entry.header().entry_type(), tar::EntryType::Regular);
            let path = entry.path().unwrap().to_string_lossy().into_owned();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            (path, bytes)
        })
        .collect()
}

#[test]
fn linked_files_ship_their_contents_and_an_allowed_outside_link_its_target() {
    let project = copy_fixture("libm");
    let root = &project.root;
    let shared = project.temp.path().join("shared");
    fs_err::create_dir_all(&shared).unwrap();
    fs_err::write(shared.join("LICENSE"), "Shared license\n").unwrap();
    fs_err::write(root.join("VERSION"), "1.2.3\n").unwrap();
    std::os::unix::fs::symlink("../VERSION", root.join("cwlibm/version.txt")).unwrap();
    std::os::unix::fs::symlink(shared.join("LICENSE"), root.join("LICENSE")).unwrap();
    let recipe = fs_err::read_to_string(root.join("cffi-wheel.yaml")).unwrap();
    let recipe = recipe.replace(
        "  license: MIT\n",
        "  license: MIT\n  license_files: [LICENSE]\n",
    ) + "allow_outside_links: [LICENSE]\n";
    fs_err::write(root.join("cffi-wheel.yaml"), recipe).unwrap();

    let out = project.temp.path().join("out");
    let (_, wheels) = build_json(root, &out, &[OsStr::new("-i"), OsStr::new("cp311")]);
    let wheel = &wheels[0].path;
    let members = wheel_members(wheel, |name| {
        name == "cwlibm/version.txt" || name.ends_with(".dist-info/licenses/LICENSE")
    });
    let contents: Vec<&[u8]> = members.iter().map(|(_, bytes)| bytes.as_slice()).collect();
    assert_eq!(
        contents,
        [&b"1.2.3\n"[..], b"Shared license\n"],
        "{members:?}"
    );

    let out = project.temp.path().join("sdist");
    let run = run_cli([
        OsStr::new("sdist"),
        root.as_os_str(),
        OsStr::new("-o"),
        out.as_os_str(),
    ]);
    run.assert_success("cffi-wheel sdist");
    let archive = out.join("cw_libm-0.1.0.tar.gz");
    let members = sdist_members(&archive);
    let find = |suffix: &str| {
        members
            .iter()
            .find(|(path, _)| path.ends_with(suffix))
            .map(|(_, bytes)| bytes.as_slice())
    };
    assert_eq!(find("/cwlibm/version.txt"), Some(&b"1.2.3\n"[..]));
    assert_eq!(find("/LICENSE"), Some(&b"Shared license\n"[..]));
}
