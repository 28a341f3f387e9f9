//! Sizes in bytes as people write them in flags and config files ("10MB", "512 KiB", 4096).

/// The default longest document: far above any real document (a novel is about 1 MB), far
/// below what would exhaust memory.
pub const DEFAULT_MAX_DOC_BYTES: u64 = 10_000_000;

/// Parses "4096", "10MB", "10 MB", "1.5GB", "512KiB" (K/M/G = 1000^n, Ki/Mi/Gi = 1024^n).
pub fn parse_byte_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let bad = || format!("'{text}' is not a size (examples: 10000000, 10MB, 512KiB, 1GB)");
    let value: f64 = number.parse().map_err(|_| bad())?;
    let scale: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "ki" | "kib" => 1024.0,
        "mi" | "mib" => 1024.0 * 1024.0,
        "gi" | "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return Err(bad()),
    };
    let bytes = (value * scale).round();
    if !bytes.is_finite() || bytes < 1.0 || bytes > u64::MAX as f64 / 4.0 {
        return Err(format!("'{text}' is out of range (1 byte to 4 EB)"));
    }
    Ok(bytes as u64)
}

/// A size for messages: "400.0 MB", "972 KB", "12 bytes".
pub fn format_bytes(bytes: u64) -> String {
    match bytes {
        b if b >= 1_000_000_000 => format!("{:.1} GB", b as f64 / 1e9),
        b if b >= 1_000_000 => format!("{:.1} MB", b as f64 / 1e6),
        b if b >= 10_000 => format!("{} KB", b / 1000),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_ways_people_write_sizes() {
        assert_eq!(parse_byte_size("4096").unwrap(), 4096);
        assert_eq!(parse_byte_size("10MB").unwrap(), 10_000_000);
        assert_eq!(parse_byte_size(" 10 mb ").unwrap(), 10_000_000);
        assert_eq!(parse_byte_size("1.5GB").unwrap(), 1_500_000_000);
        assert_eq!(parse_byte_size("512KiB").unwrap(), 512 * 1024);
        for bad in [
            "",
            "MB",
            "ten",
            "10 parsecs",
            "-5",
            "0",
            "1e3",
            "99999999999GB",
        ] {
            assert!(parse_byte_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn formats_sizes_for_messages() {
        assert_eq!(format_bytes(400_000_000), "400.0 MB");
        assert_eq!(format_bytes(972_000), "972 KB");
        assert_eq!(format_bytes(12), "12 bytes");
    }
}
