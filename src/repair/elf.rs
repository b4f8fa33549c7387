//! What repair needs to know of an ELF file, read with goblin.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use goblin::elf::Elf;
use goblin::elf::section_header::SHN_UNDEF;
use goblin::elf::sym::STB_WEAK;
use serde::Serialize;

use super::RepairError;

/// The dynamic-linking facts of one ELF file.
#[derive(Debug, Clone, Serialize)]
pub struct ElfInfo {
    /// The file.
    pub path: PathBuf,
    /// `e_machine`.
    pub machine: u16,
    /// 64-bit class.
    pub is_64: bool,
    /// `DT_SONAME`.
    pub soname: Option<String>,
    /// `DT_NEEDED`, in order.
    pub needed: Vec<String>,
    /// `DT_RPATH` entries.
    pub rpath: Vec<String>,
    /// `DT_RUNPATH` entries.
    pub runpath: Vec<String>,
    /// Symbol versions required from each library (`.gnu.version_r`): `libc.so.6` →
    /// `GLIBC_2.14`, …
    pub version_needs: BTreeMap<String, BTreeSet<String>>,
    /// Undefined dynamic symbols that are not weak.
    pub undefined: BTreeSet<String>,
    /// Defined (exported) dynamic symbols.
    pub defined: BTreeSet<String>,
}

impl ElfInfo {
    /// Reads `path`; `Ok(None)` when it is not an ELF file.
    pub fn read(path: &Path) -> Result<Option<ElfInfo>, RepairError> {
        let bytes = fs_err::read(path)?;
        if !is_elf_bytes(&bytes) {
            return Ok(None);
        }
        let elf = Elf::parse(&bytes).map_err(|e| RepairError::BadElf {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
        Ok(Some(Self::from_elf(path, &elf)))
    }

    fn from_elf(path: &Path, elf: &Elf<'_>) -> ElfInfo {
        let mut undefined = BTreeSet::new();
        let mut defined = BTreeSet::new();
        for sym in elf.dynsyms.iter() {
            let Some(name) = elf.dynstrtab.get_at(sym.st_name).filter(|n| !n.is_empty()) else {
                continue;
            };
            if sym.st_shndx == SHN_UNDEF as usize {
                if sym.st_bind() != STB_WEAK {
                    undefined.insert(name.to_string());
                }
            } else {
                defined.insert(name.to_string());
            }
        }
        let mut version_needs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        if let Some(verneed) = &elf.verneed {
            for need in verneed.iter() {
                let Some(file) = elf.dynstrtab.get_at(need.vn_file) else {
                    continue;
                };
                let versions = version_needs.entry(file.to_string()).or_default();
                for aux in need.iter() {
                    if let Some(name) = elf.dynstrtab.get_at(aux.vna_name) {
                        versions.insert(name.to_string());
                    }
                }
            }
        }
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        ElfInfo {
            path: path.to_path_buf(),
            machine: elf.header.e_machine,
            is_64: elf.is_64,
            soname: elf.soname.map(str::to_string),
            needed: strings(&elf.libraries),
            rpath: split_paths(&elf.rpaths),
            runpath: split_paths(&elf.runpaths),
            version_needs,
            undefined,
            defined,
        }
    }

    /// The architecture name used by wheel tags and policies (`x86_64`, `aarch64`, …).
    pub fn arch(&self) -> Option<&'static str> {
        use goblin::elf::header::{
            EM_386, EM_AARCH64, EM_ARM, EM_PPC64, EM_RISCV, EM_S390, EM_X86_64,
        };
        match self.machine {
            EM_X86_64 => Some("x86_64"),
            EM_386 => Some("i686"),
            EM_AARCH64 => Some("aarch64"),
            EM_ARM => Some("armv7l"),
            EM_PPC64 => Some("ppc64le"),
            EM_S390 => Some("s390x"),
            EM_RISCV => Some("riscv64"),
            _ => None,
        }
    }
}

/// Whether `bytes` start with the ELF magic number.
pub fn is_elf_bytes(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x7fELF")
}

/// DT_RPATH/DT_RUNPATH values are `:`-separated lists.
fn split_paths(values: &[&str]) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| v.split(':'))
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}
