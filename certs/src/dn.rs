//! Distinguished names, serial numbers and general names as openssl prints
//! them: attributes in certificate order, `TYPE=value` joined by `, `
//! (`+` within a multi-valued RDN), values escaped as RFC 4514 says, every
//! string type decoded (UniversalString and BMPString too), anything else
//! as `#` and the hex of its DER.

use x509_parser::der_parser::asn1_rs::{Any, FromDer};
use x509_parser::prelude::*;

/// The short names openssl uses; others print as their dotted OID.
fn short_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.3" => "CN",
        "2.5.4.4" => "SN",
        "2.5.4.5" => "serialNumber",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "street",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.12" => "title",
        "2.5.4.17" => "postalCode",
        "2.5.4.42" => "GN",
        "2.5.4.46" => "dnQualifier",
        "2.5.4.65" => "pseudonym",
        "2.5.4.97" => "organizationIdentifier",
        "0.9.2342.19200300.100.1.1" => "UID",
        "0.9.2342.19200300.100.1.25" => "DC",
        "1.2.840.113549.1.9.1" => "emailAddress",
        _ => return None,
    })
}

/// A name, as `openssl x509 -text` shows it (with `=` for ` = `).
pub fn name(n: &X509Name) -> String {
    n.iter_rdn()
        .map(|rdn| rdn.iter().map(attribute).collect::<Vec<_>>().join(" + "))
        .collect::<Vec<_>>()
        .join(", ")
}

fn attribute(a: &AttributeTypeAndValue) -> String {
    let oid = a.attr_type().to_id_string();
    let kind = short_name(&oid).map_or(oid.clone(), str::to_owned);
    format!("{kind}={}", value(a.attr_value()))
}

/// A value: a decoded string, escaped; or `#` and the hex of its DER.
fn value(v: &Any) -> String {
    match decode(v.tag().0, v.data) {
        Some(s) => escape(&s),
        None => {
            let mut der = vec![v.tag().0 as u8];
            let len = v.data.len();
            if len < 128 {
                der.push(len as u8);
            } else {
                let bytes: Vec<u8> = len
                    .to_be_bytes()
                    .into_iter()
                    .skip_while(|b| *b == 0)
                    .collect();
                der.push(0x80 | bytes.len() as u8);
                der.extend(bytes);
            }
            der.extend_from_slice(v.data);
            format!("#{}", crate::pin::hex(&der))
        }
    }
}

/// The string types of a name, decoded; `None` for anything else.
pub fn decode(tag: u32, data: &[u8]) -> Option<String> {
    match tag {
        // UTF8String, NumericString, PrintableString, IA5String, VisibleString
        12 | 18 | 19 | 22 | 26 => String::from_utf8(data.to_vec()).ok(),
        // TeletexString: in practice Latin-1.
        20 => Some(data.iter().map(|b| char::from(*b)).collect()),
        // BMPString: UTF-16, big-endian.
        30 if data.len().is_multiple_of(2) => {
            let units: Vec<u16> = data
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        // UniversalString: UTF-32, big-endian.
        28 if data.len().is_multiple_of(4) => data
            .chunks(4)
            .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
            .collect(),
        _ => None,
    }
}

/// RFC 4514 escaping: `,+"\<>;` anywhere, `#` or a space first, a space
/// last; control characters as `\XX`.
pub fn escape(s: &str) -> String {
    let n = s.chars().count();
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.chars().enumerate() {
        match c {
            ',' | '+' | '"' | '\\' | '<' | '>' | ';' => {
                out.push('\\');
                out.push(c);
            }
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || i + 1 == n => out.push_str("\\ "),
            c if c.is_control() => {
                let mut b = [0u8; 4];
                for byte in c.encode_utf8(&mut b).bytes() {
                    out.push_str(&format!("\\{byte:02X}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// A name in openssl's one-line slash form (`/CN=x/O=y`), as it prints a
/// directory name among the alternative names.
fn slashed(n: &X509Name) -> String {
    n.iter_rdn()
        .flat_map(|rdn| rdn.iter())
        .map(|a| {
            let oid = a.attr_type().to_id_string();
            let kind = short_name(&oid).map_or(oid.clone(), str::to_owned);
            let v = a.attr_value();
            let text = decode(v.tag().0, v.data)
                .unwrap_or_else(|| format!("#{}", crate::pin::hex(v.data)));
            format!("/{kind}={text}")
        })
        .collect()
}

/// A serial number as openssl prints it: the value's hex, without DER's
/// sign byte, and a negative one (which RFC 5280 forbids, but which
/// exists) with a `-` and its magnitude.
pub fn serial(raw: &[u8]) -> String {
    let negative = raw.first().is_some_and(|b| b & 0x80 != 0);
    if !negative {
        let digits = match raw {
            [0, rest @ ..] if !rest.is_empty() => rest,
            _ => raw,
        };
        return crate::pin::hex(digits);
    }
    // Two's complement: invert and add one.
    let mut mag: Vec<u8> = raw.iter().map(|b| !b).collect();
    for b in mag.iter_mut().rev() {
        let (v, carry) = b.overflowing_add(1);
        *b = v;
        if !carry {
            break;
        }
    }
    let start = mag.iter().position(|b| *b != 0).unwrap_or(mag.len() - 1);
    format!("-{}", crate::pin::hex(&mag[start..]))
}

/// A general name that is not a DNS name or an IP address, as openssl
/// prints it (`email:`, `URI:`, `DirName:`, `othername:`, `Registered ID:`).
pub fn general(g: &GeneralName) -> String {
    match g {
        GeneralName::RFC822Name(m) => format!("email:{m}"),
        GeneralName::URI(u) => format!("URI:{u}"),
        GeneralName::DNSName(d) => format!("DNS:{d}"),
        GeneralName::DirectoryName(n) => format!("DirName:{}", slashed(n)),
        GeneralName::RegisteredID(oid) => format!("Registered ID:{}", oid.to_id_string()),
        GeneralName::OtherName(oid, value) => {
            // The value is [0] EXPLICIT; show a string inside it, else hex.
            let inner = Any::from_der(value)
                .ok()
                .and_then(|(_, wrapper)| Any::from_der(wrapper.data).ok())
                .and_then(|(_, v)| decode(v.tag().0, v.data));
            let id = oid.to_id_string();
            let kind = match id.as_str() {
                "1.3.6.1.4.1.311.20.2.3" => "UPN",
                "1.3.6.1.5.5.7.8.7" => "SRVName",
                "1.3.6.1.5.5.7.8.9" => "SmtpUTF8Mailbox",
                _ => id.as_str(),
            };
            match inner {
                Some(s) => format!("othername: {kind}::{s}"),
                None => format!("othername: {kind}::#{}", crate::pin::hex(value)),
            }
        }
        GeneralName::X400Address(_) => "X400Name:<unsupported>".into(),
        GeneralName::EDIPartyName(_) => "EdiPartyName:<unsupported>".into(),
        GeneralName::IPAddress(b) => format!("IP Address:{}", crate::dn::ip_string(b)),
        GeneralName::Invalid(tag, _) => format!("<invalid general name, tag {}>", tag.0),
    }
}

/// An IP address SAN's bytes as text: IPv4 dotted, IPv6 as RFC 5952
/// writes it, anything else `invalid(HEX)`.
pub fn ip_string(bytes: &[u8]) -> String {
    match bytes.len() {
        4 => std::net::IpAddr::from(<[u8; 4]>::try_from(bytes).expect("4 bytes")).to_string(),
        16 => std::net::IpAddr::from(<[u8; 16]>::try_from(bytes).expect("16 bytes")).to_string(),
        _ => format!("invalid({})", crate::pin::hex(bytes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_as_rfc_4514_says() {
        assert_eq!(escape("a,b+c"), "a\\,b\\+c");
        assert_eq!(escape("#x"), "\\#x");
        assert_eq!(escape(" x "), "\\ x\\ ");
        assert_eq!(escape("a\"b\\c<d>e;f"), "a\\\"b\\\\c\\<d\\>e\\;f");
        assert_eq!(escape("a\u{0}b\nc"), "a\\00b\\0Ac");
        assert_eq!(escape("Ünïcödé"), "Ünïcödé");
    }

    #[test]
    fn string_types_decode() {
        assert_eq!(
            decode(28, &[0, 0, 0, b'h', 0, 0, 0, b'i']).as_deref(),
            Some("hi")
        );
        assert_eq!(decode(30, &[0, b'h', 0, b'i']).as_deref(), Some("hi"));
        assert_eq!(decode(20, &[0xe9]).as_deref(), Some("é"));
        assert_eq!(decode(4, b"x"), None);
    }

    #[test]
    fn serials_lose_the_sign_byte_and_negative_ones_say_so() {
        assert_eq!(serial(&[0x00, 0x80, 0x01]), "8001");
        assert_eq!(serial(&[0x01, 0x02]), "0102");
        assert_eq!(serial(&[0x00]), "00");
        assert_eq!(serial(&[0xff]), "-01");
        assert_eq!(serial(&[0xff, 0x00]), "-0100");
        assert_eq!(serial(&[0x80, 0x00]), "-8000");
    }
}
