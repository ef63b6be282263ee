//! Reads the glibc symbol versions an ELF executable needs, from its version-needed
//! section (`SHT_GNU_verneed`, what `objdump -T` shows as `GLIBC_2.34`). A binary for
//! Lambda's provided.al2023 must need nothing newer than glibc 2.34, or it fails to
//! start there with "version `GLIBC_2.xx' not found".

use std::fmt;
use std::path::Path;

use anyhow::{bail, Context, Result};

const SHT_GNU_VERNEED: u32 = 0x6fff_fffe;
/// `EM_X86_64`: the machine of Lambda's x86_64 architecture.
pub const EM_X86_64: u16 = 62;

/// A `GLIBC_x.y[.z]` version, compared numerically (2.10 > 2.9).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GlibcVersion(pub Vec<u32>);

impl GlibcVersion {
    pub fn parse(name: &str) -> Option<Self> {
        let v = name.strip_prefix("GLIBC_")?;
        let parts: Option<Vec<u32>> = v.split('.').map(|p| p.parse().ok()).collect();
        parts.filter(|p| p.len() >= 2).map(GlibcVersion)
    }
}

impl fmt::Display for GlibcVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(u32::to_string).collect();
        write!(f, "{}", parts.join("."))
    }
}

/// What the version-needed section of an ELF file says.
#[derive(Debug, Default)]
pub struct Needs {
    pub machine: u16,
    /// Every (library, version name) pair, e.g. ("libc.so.6", "GLIBC_2.34").
    pub versions: Vec<(String, String)>,
}

impl Needs {
    /// The newest `GLIBC_*` version needed, if any.
    pub fn max_glibc(&self) -> Option<GlibcVersion> {
        self.versions
            .iter()
            .filter_map(|(_, v)| GlibcVersion::parse(v))
            .max()
    }
}

fn u16_at(b: &[u8], at: usize) -> Result<u16> {
    let s = b.get(at..at + 2).context("truncated ELF")?;
    Ok(u16::from_le_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], at: usize) -> Result<u32> {
    let s = b.get(at..at + 4).context("truncated ELF")?;
    Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn u64_at(b: &[u8], at: usize) -> Result<u64> {
    let s = b.get(at..at + 8).context("truncated ELF")?;
    let mut a = [0u8; 8];
    a.copy_from_slice(s);
    Ok(u64::from_le_bytes(a))
}

fn c_str(b: &[u8], at: usize) -> Result<String> {
    let tail = b
        .get(at..)
        .context("string offset outside the string table")?;
    let end = tail
        .iter()
        .position(|&c| c == 0)
        .context("unterminated string")?;
    Ok(String::from_utf8_lossy(&tail[..end]).into_owned())
}

/// Parses a 64-bit little-endian ELF file (the only kind Lambda x86_64 and arm64 run).
pub fn parse(bytes: &[u8]) -> Result<Needs> {
    if bytes.get(..4) != Some(b"\x7fELF") {
        bail!("not an ELF file");
    }
    if bytes[4] != 2 || bytes[5] != 1 {
        bail!("not a 64-bit little-endian ELF file");
    }
    let machine = u16_at(bytes, 18)?;
    let shoff = u64_at(bytes, 0x28)? as usize;
    let shentsize = u16_at(bytes, 0x3a)? as usize;
    let shnum = u16_at(bytes, 0x3c)? as usize;
    let section = |i: usize| -> Result<(u32, usize, usize, u32, u32)> {
        let at = shoff + i * shentsize;
        // sh_type, sh_offset, sh_size, sh_link, sh_info
        Ok((
            u32_at(bytes, at + 4)?,
            u64_at(bytes, at + 0x18)? as usize,
            u64_at(bytes, at + 0x20)? as usize,
            u32_at(bytes, at + 0x28)?,
            u32_at(bytes, at + 0x2c)?,
        ))
    };
    let mut needs = Needs {
        machine,
        versions: Vec::new(),
    };
    for i in 0..shnum {
        let (kind, offset, _size, link, count) = section(i)?;
        if kind != SHT_GNU_VERNEED {
            continue;
        }
        let (_, str_off, str_size, _, _) = section(link as usize)?;
        let strtab = bytes
            .get(str_off..str_off + str_size)
            .context("string table outside the file")?;
        // Elf64_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32.
        let mut need = offset;
        for _ in 0..count {
            let cnt = u16_at(bytes, need + 2)?;
            let file = c_str(strtab, u32_at(bytes, need + 4)? as usize)?;
            // Elf64_Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32.
            let mut aux = need + u32_at(bytes, need + 8)? as usize;
            for _ in 0..cnt {
                needs.versions.push((
                    file.clone(),
                    c_str(strtab, u32_at(bytes, aux + 8)? as usize)?,
                ));
                let next = u32_at(bytes, aux + 12)? as usize;
                if next == 0 {
                    break;
                }
                aux += next;
            }
            let next = u32_at(bytes, need + 12)? as usize;
            if next == 0 {
                break;
            }
            need += next;
        }
    }
    Ok(needs)
}

pub fn parse_file(path: &Path) -> Result<Needs> {
    let bytes = std::fs::read(path).with_context(|| format!("read {}", path.display()))?;
    parse(&bytes).with_context(|| format!("parse {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically() {
        let v = |s| GlibcVersion::parse(s).unwrap();
        assert!(v("GLIBC_2.10") > v("GLIBC_2.9"));
        assert!(v("GLIBC_2.34") > v("GLIBC_2.2.5"));
        assert_eq!(v("GLIBC_2.34").to_string(), "2.34");
        assert_eq!(GlibcVersion::parse("GLIBC_PRIVATE"), None);
        assert_eq!(GlibcVersion::parse("GCC_3.0"), None);
    }

    /// This test's own executable is a dynamically linked ELF: the parser must find
    /// the same GLIBC versions `objdump -T` lists, when objdump is installed.
    #[test]
    fn agrees_with_objdump_on_a_real_binary() {
        let exe = std::env::current_exe().unwrap();
        let needs = parse_file(&exe).unwrap();
        assert_eq!(needs.machine, EM_X86_64);
        let ours: std::collections::BTreeSet<String> = needs
            .versions
            .iter()
            .filter(|(_, v)| v.starts_with("GLIBC_2"))
            .map(|(_, v)| v.clone())
            .collect();
        assert!(!ours.is_empty(), "a std binary needs some glibc symbols");
        let Ok(out) = std::process::Command::new("objdump")
            .arg("-T")
            .arg(&exe)
            .output()
        else {
            eprintln!("objdump not installed: cross-check skipped");
            return;
        };
        let text = String::from_utf8_lossy(&out.stdout);
        let theirs: std::collections::BTreeSet<String> = text
            .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
            .filter(|w| w.starts_with("GLIBC_2"))
            .map(str::to_owned)
            .collect();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn rejects_what_is_not_elf64() {
        assert!(parse(b"#!/bin/sh\n").is_err());
        assert!(parse(b"\x7fELF\x01\x01").is_err());
    }
}
