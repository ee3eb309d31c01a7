//! The public DTS endpoint for a region (`dts-api.md` §4).

/// Regions for which the docs give the central host instead of a regional one.
const CENTRAL_ONLY: &[&str] = &["cn-wulanchabu", "cn-chengdu", "cn-beijing-finance-1"];

pub fn default_endpoint(region: &str) -> String {
    if CENTRAL_ONLY.contains(&region) {
        "https://dts.aliyuncs.com".into()
    } else {
        format!("https://dts.{region}.aliyuncs.com")
    }
}

/// A region id is lowercase letters, digits and hyphens, e.g. `cn-hangzhou`.
pub fn validate_region(region: &str) -> Result<(), String> {
    let ok = !region.is_empty()
        && region.len() <= 40
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && region.contains('-')
        && !region.starts_with('-')
        && !region.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "--region {region:?} is not a region id; expected lowercase letters, digits and hyphens, e.g. cn-hangzhou"
        ))
    }
}

/// True when the endpoint points at this machine (a simulator), not at the cloud.
pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    }
}

/// What identifies the service behind an endpoint URL, however it is spelled: loopback
/// hosts (`localhost`, `127.0.0.1`, `[::1]`) are one host; every public DTS host
/// (`dts.aliyuncs.com`, `dts.<region>.aliyuncs.com`) is one service, since the call's
/// RegionId picks the region; host case, default ports and paths do not matter.
pub fn service_key(url: &url::Url) -> String {
    let port = url.port_or_known_default().unwrap_or(0);
    let host = match url.host() {
        _ if is_loopback(url) => "loopback".to_string(),
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            if d == "dts.aliyuncs.com"
                || (d.starts_with("dts.") && d.ends_with(".aliyuncs.com") && !d.contains("-vpc"))
            {
                return "aliyun-dts".into();
            }
            d
        }
        Some(h) => h.to_string(),
        None => String::new(),
    };
    format!("{host}:{port}")
}

/// True when the endpoint text `a` names the same service as `b` (see [`service_key`]).
pub fn same_service(a: &str, b: &url::Url) -> bool {
    match url::Url::parse(a) {
        Ok(u) => service_key(&u) == service_key(b),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_spellings_of_one_service() {
        let u = |s: &str| url::Url::parse(s).unwrap();
        assert!(same_service(
            "http://localhost:8080",
            &u("http://127.0.0.1:8080/")
        ));
        assert!(same_service(
            "http://[::1]:8080/",
            &u("http://LOCALHOST:8080")
        ));
        assert!(!same_service(
            "http://127.0.0.1:8081",
            &u("http://127.0.0.1:8080")
        ));
        assert!(same_service(
            "https://dts.aliyuncs.com",
            &u("https://DTS.cn-hangzhou.aliyuncs.com:443/")
        ));
        assert!(!same_service(
            "https://example.com",
            &u("https://dts.aliyuncs.com")
        ));
    }

    #[test]
    fn regional_by_default() {
        assert_eq!(
            default_endpoint("cn-shanghai"),
            "https://dts.cn-shanghai.aliyuncs.com"
        );
        assert_eq!(default_endpoint("cn-chengdu"), "https://dts.aliyuncs.com");
    }

    #[test]
    fn region_validation() {
        assert!(validate_region("ap-southeast-1").is_ok());
        assert!(validate_region("cn hangzhou").is_err());
        assert!(validate_region("CN-HANGZHOU").is_err());
        assert!(validate_region("hangzhou").is_err());
    }

    #[test]
    fn loopback_detection() {
        assert!(is_loopback(&"http://127.0.0.1:8080".parse().unwrap()));
        assert!(is_loopback(&"http://[::1]:8080".parse().unwrap()));
        assert!(!is_loopback(&"https://dts.aliyuncs.com".parse().unwrap()));
    }
}
