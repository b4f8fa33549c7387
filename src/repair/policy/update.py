"""Refreshes the vendored manylinux/musllinux policy data from an installed auditwheel.

    python -m pip install auditwheel==X.Y.Z   # any environment
    python src/repair/policy/update.py [PATH-TO-auditwheel/policy]

The policies are pypa/auditwheel's encoding of PEP 513, 571, 599, 600 and 656 (MIT
licensed). We keep the fields cffi-wheel reads, for the architectures it can target, and
record the version in SOURCE.md.
"""
import json
import os
import sys


def main():
    if len(sys.argv) > 1:
        policy_dir = sys.argv[1]
        version = "unknown"
    else:
        import auditwheel
        from importlib.metadata import version as dist_version

        policy_dir = os.path.join(os.path.dirname(auditwheel.__file__), "policy")
        version = dist_version("auditwheel")
    here = os.path.dirname(os.path.abspath(__file__))
    for name in ("manylinux-policy.json", "musllinux-policy.json"):
        with open(os.path.join(policy_dir, name)) as f:
            policies = json.load(f)
        kept = [
            {
                "name": p["name"],
                "aliases": p["aliases"],
                "priority": p["priority"],
                "symbol_versions": p["symbol_versions"],
                "lib_whitelist": p["lib_whitelist"],
                "blacklist": p["blacklist"],
            }
            for p in policies
            if p["name"] != "linux"
        ]
        with open(os.path.join(here, name), "w") as f:
            json.dump(kept, f, indent=1, sort_keys=True)
            f.write("\n")
    with open(os.path.join(here, "SOURCE.md"), "w") as f:
        f.write(
            "# Where this data comes from\n\n"
            "`manylinux-policy.json` and `musllinux-policy.json` are the platform policies of\n"
            "[pypa/auditwheel](https://github.com/pypa/auditwheel) %s (MIT license), which encode\n"
            "PEP 513, 571, 599, 600 (manylinux) and PEP 656 (musllinux): per policy, the\n"
            "symbol versions a binary may require, the system libraries it may link without\n"
            "bundling, and symbols it must not use. Refresh with `update.py` (see its docstring).\n"
            % version
        )


if __name__ == "__main__":
    main()
