"""Writes the seed corpora of the `wheel_archive` and `record` fuzz targets.

    python3 fuzz/seeds.py [WHEEL...]

Each WHEEL (e.g. built by `cffi-wheel build fixtures/factorial`) becomes a `wheel_archive`
seed (its file name, a line break, its bytes) and its RECORD a `record` seed. Three small
wheels made here with zipfile add what the built ones lack: a pure wheel stored without
compression, a `.data` dir, a directory entry, CSV-quoted RECORD paths and an executable
member, and one whose RECORD hash is wrong (verify's error path).
"""

import base64
import hashlib
import io
import sys
import zipfile
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus"


def record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode()


def csv_field(value: str) -> str:
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def make_wheel(file_name, files, compression, tamper=False, dirs=()):
    name, version = file_name.split("-")[:2]
    dist_info = f"{name}-{version}.dist-info"
    tags = file_name[: -len(".whl")].split("-")[-3:]
    wheel = "Wheel-Version: 1.0\nGenerator: seeds.py\nRoot-Is-Purelib: false\n"
    for py in tags[0].split("."):
        for abi in tags[1].split("."):
            for plat in tags[2].split("."):
                wheel += f"Tag: {py}-{abi}-{plat}\n"
    files = dict(files)
    files[f"{dist_info}/METADATA"] = f"Metadata-Version: 2.4\nName: {name}\nVersion: {version}\n".encode()
    files[f"{dist_info}/WHEEL"] = wheel.encode()
    record = ""
    for path, data in files.items():
        listed = data + b"x" if tamper else data
        record += f"{csv_field(path)},{record_hash(listed)},{len(data)}\n"
    record += f"{dist_info}/RECORD,,\n"
    files[f"{dist_info}/RECORD"] = record.encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for d in dirs:
            archive.writestr(zipfile.ZipInfo(d), b"")
        for path, data in files.items():
            info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = compression
            mode = 0o755 if path.endswith(".so") else 0o644
            info.external_attr = (0o100000 | mode) << 16
            archive.writestr(info, data)
    return file_name, out.getvalue()


def synthetic():
    elf = b"\x7fELF\x02\x01\x01" + bytes(9) + b"\x03\x00\x3e\x00" + bytes(44)
    yield make_wheel(
        "demo-1.0-py3-none-any.whl",
        {"demo/__init__.py": b"VALUE = 1\n"},
        zipfile.ZIP_STORED,
    )
    yield make_wheel(
        "Odd.Name-2.0rc1-7-cp38.cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        {
            "odd/__init__.py": b"from ._odd import ffi, lib\n",
            "odd/_odd.abi3.so": elf,
            'odd/data, "quoted".txt': b"a,b\n",
            "Odd.Name-2.0rc1.data/scripts/odd": b"#!python\nprint(1)\n",
        },
        zipfile.ZIP_DEFLATED,
        dirs=("odd/",),
    )
    yield make_wheel(
        "tampered-0.1-cp313-cp313t-musllinux_1_2_aarch64.whl",
        {"tampered/_t.cpython-313t.so": elf},
        zipfile.ZIP_DEFLATED,
        tamper=True,
    )


def main():
    wheels = list(synthetic())
    for path in map(Path, sys.argv[1:]):
        wheels.append((path.name, path.read_bytes()))
    for target in ("wheel_archive", "record"):
        (CORPUS / target).mkdir(parents=True, exist_ok=True)
    for file_name, data in wheels:
        stem = file_name[: -len(".whl")]
        (CORPUS / "wheel_archive" / stem).write_bytes(file_name.encode() + b"\n" + data)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            record = next(n for n in archive.namelist() if n.endswith(".dist-info/RECORD"))
            (CORPUS / "record" / stem).write_bytes(archive.read(record))


if __name__ == "__main__":
    main()
