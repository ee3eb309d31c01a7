//! The public DTS endpoint for a region: the one region-id → host table
//! (`dts-api.md` §4, `dts-api-maintained.md` §4).

/// Where a region's calls go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// `dts.<region>.aliyuncs.com`, as the docs list for the public regions.
    Regional,
    /// `dts.aliyuncs.com`: where the docs give it (Ulanqab, Chengdu) and where every SDK
    /// sends the Finance and Gov region ids (the docs disagree or are silent there).
    Central,
}

/// The DTS regions: id, name, host. Ids not in the table resolve to the regional host,
/// as the SDKs' "regional" rule does.
pub const REGIONS: &[(&str, &str, Host)] = &[
    ("cn-hangzhou", "China (Hangzhou)", Host::Regional),
    ("cn-shanghai", "China (Shanghai)", Host::Regional),
    ("cn-qingdao", "China (Qingdao)", Host::Regional),
    ("cn-beijing", "China (Beijing)", Host::Regional),
    ("cn-zhangjiakou", "China (Zhangjiakou)", Host::Regional),
    ("cn-huhehaote", "China (Hohhot)", Host::Regional),
    ("cn-wulanchabu", "China (Ulanqab)", Host::Central),
    ("cn-shenzhen", "China (Shenzhen)", Host::Regional),
    ("cn-heyuan", "China (Heyuan)", Host::Regional),
    ("cn-guangzhou", "China (Guangzhou)", Host::Regional),
    ("cn-chengdu", "China (Chengdu)", Host::Central),
    ("cn-hongkong", "China (Hong Kong)", Host::Regional),
    ("ap-southeast-1", "Singapore", Host::Regional),
    ("ap-southeast-2", "Australia (Sydney)", Host::Regional),
    ("ap-southeast-3", "Malaysia (Kuala Lumpur)", Host::Regional),
    ("ap-southeast-5", "Indonesia (Jakarta)", Host::Regional),
    ("ap-southeast-6", "Philippines (Manila)", Host::Regional),
    ("ap-southeast-7", "Thailand (Bangkok)", Host::Regional),
    ("ap-south-1", "India (Mumbai)", Host::Regional),
    ("ap-northeast-1", "Japan (Tokyo)", Host::Regional),
    ("ap-northeast-2", "South Korea (Seoul)", Host::Regional),
    ("us-west-1", "US (Silicon Valley)", Host::Regional),
    ("us-east-1", "US (Virginia)", Host::Regional),
    ("eu-central-1", "Germany (Frankfurt)", Host::Regional),
    ("eu-west-1", "UK (London)", Host::Regional),
    ("me-central-1", "Saudi Arabia (Riyadh)", Host::Regional),
    ("me-east-1", "UAE (Dubai)", Host::Regional),
    ("cn-hangzhou-finance", "China East 1 Finance", Host::Central),
    (
        "cn-shanghai-finance-1",
        "China East 2 Finance",
        Host::Central,
    ),
    (
        "cn-shenzhen-finance-1",
        "China South 1 Finance",
        Host::Central,
    ),
    (
        "cn-beijing-finance-1",
        "China North 2 Finance",
        Host::Central,
    ),
    ("cn-north-2-gov-1", "China North 2 Ali Gov 1", Host::Central),
    ("cn-beijing-gov-1", "China (Beijing) Gov", Host::Central),
];

/// True for the Finance and Gov region ids of [`REGIONS`]: separate clouds, not the
/// public one (`dts-api.md` §4 lists them apart).
fn finance_or_gov(id: &str) -> bool {
    id.contains("-finance") || id.contains("-gov")
}

/// The DTS public-cloud regions (`dts-api.md` §4), in [`REGIONS`] order: what
/// `find --all-regions` searches. The Finance and Gov regions are left out (another
/// cloud, other accounts); name them with `--regions`.
pub fn public_regions() -> Vec<&'static str> {
    REGIONS
        .iter()
        .map(|(id, _, _)| *id)
        .filter(|id| !finance_or_gov(id))
        .collect()
}

/// True when `region` is one of the DTS regions of [`REGIONS`].
pub fn is_dts_region(region: &str) -> bool {
    REGIONS.iter().any(|(id, _, _)| *id == region)
}

pub fn default_endpoint(region: &str) -> String {
    match REGIONS.iter().find(|(id, _, _)| *id == region) {
        Some((_, _, Host::Central)) => "https://dts.aliyuncs.com".into(),
        _ => format!("https://dts.{region}.aliyuncs.com"),
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
/// hosts (`localhost`, `127.0.0.1`, `[::1]`) are one host; every DTS host
/// (`dts.aliyuncs.com`, `dts.<region>.aliyuncs.com`, the VPC form
/// `dts-vpc.<region>.aliyuncs.com`) is one service, since the call's RegionId picks the
/// region; host case, default ports and paths do not matter.
pub fn service_key(url: &url::Url) -> String {
    let port = url.port_or_known_default().unwrap_or(0);
    let host = match url.host() {
        _ if is_loopback(url) => "loopback".to_string(),
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            if d == "dts.aliyuncs.com"
                || ((d.starts_with("dts.") || d.starts_with("dts-"))
                    && d.ends_with(".aliyuncs.com"))
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
    fn finance_and_gov_ids_go_to_the_central_host() {
        for id in [
            "cn-hangzhou-finance",
            "cn-shanghai-finance-1",
            "cn-shenzhen-finance-1",
            "cn-beijing-finance-1",
            "cn-north-2-gov-1",
            "cn-beijing-gov-1",
        ] {
            assert_eq!(default_endpoint(id), "https://dts.aliyuncs.com", "{id}");
        }
        assert_eq!(
            default_endpoint("ap-southeast-6"),
            "https://dts.ap-southeast-6.aliyuncs.com"
        );
        assert_eq!(
            default_endpoint("xx-unknown-9"),
            "https://dts.xx-unknown-9.aliyuncs.com",
            "unknown ids follow the regional rule"
        );
    }

    #[test]
    fn public_regions_are_the_27_of_the_docs() {
        let p = public_regions();
        assert_eq!(p.len(), 27, "{p:?}");
        assert_eq!(p[0], "cn-hangzhou");
        assert!(p.contains(&"me-east-1") && p.contains(&"ap-southeast-7"));
        assert!(!p.iter().any(|r| r.contains("finance") || r.contains("gov")));
        assert!(is_dts_region("cn-shanghai-finance-1"));
        assert!(!is_dts_region("cn-atlantis"));
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
