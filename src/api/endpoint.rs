//! The public DTS endpoint for a region: the one region-id → host table
//! (`dts-api.md` §4, `dts-api-maintained.md` §4).

pub use crate::domain::region::{is_dts_region, public_regions, validate_region, Host, REGIONS};

pub fn default_endpoint(region: &str) -> String {
    match REGIONS.iter().find(|(id, _, _)| *id == region) {
        Some((_, _, Host::Central)) => "https://dts.aliyuncs.com".into(),
        _ => format!("https://dts.{region}.aliyuncs.com"),
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

/// `text` with any `user:password@` taken out (everything from the scheme to the last `@`
/// before the query), for messages: the password must never be echoed, even when the
/// text is not a valid URL.
pub fn without_userinfo(text: &str) -> String {
    let (scheme, rest) = match text.find("://") {
        Some(i) => text.split_at(i + 3),
        None => ("", text),
    };
    // Up to the query: a password may hold a raw `/`, and no endpoint has an `@` in its path.
    let auth_end = rest.find(['?', '#']).unwrap_or(rest.len());
    match rest[..auth_end].rfind('@') {
        Some(at) => format!("{scheme}{}", &rest[at + 1..]),
        None => text.to_string(),
    }
}

/// The proxy settings of the environment, read once per client: `HTTPS_PROXY` for
/// `https://` requests, `HTTP_PROXY` for `http://` ones, `ALL_PROXY` for either (each
/// also in lowercase; the uppercase one wins), and `NO_PROXY` (hosts, domains — a
/// `.example.com` or `example.com` entry covers its subdomains — IP addresses, CIDR
/// ranges, or `*`). A loopback endpoint (a simulator on this machine) never goes through
/// a proxy, whatever the variables say.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProxyEnv {
    http: Option<url::Url>,
    https: Option<url::Url>,
    all: Option<url::Url>,
    no_proxy: Vec<String>,
}

impl ProxyEnv {
    /// Reads the variables through `env` (`std::env::var` in the binary). A variable that
    /// is set but is no HTTP(S) proxy URL is an error (never silently ignored: the
    /// operator meant the calls to go through it).
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<ProxyEnv, String> {
        let var = |upper: &str| -> Option<(String, String)> {
            let lower = upper.to_ascii_lowercase();
            // Like curl and reqwest: under CGI, HTTP_PROXY may come from a request header.
            let cgi = upper == "HTTP_PROXY" && env("REQUEST_METHOD").is_some();
            [upper.to_string(), lower]
                .into_iter()
                .filter(|n| !(cgi && n == "HTTP_PROXY"))
                .find_map(|n| {
                    env(&n)
                        .map(|v| v.trim().to_string())
                        .filter(|v| !v.is_empty())
                        .map(|v| (n, v))
                })
        };
        let proxy = |upper: &str| -> Result<Option<url::Url>, String> {
            let Some((name, v)) = var(upper) else {
                return Ok(None);
            };
            let text = if v.contains("://") {
                v.clone()
            } else {
                format!("http://{v}")
            };
            let shown = without_userinfo(&v);
            let u = url::Url::parse(&text)
                .map_err(|e| format!("{name}={shown:?} is not a proxy URL ({e})"))?;
            match u.scheme() {
                "http" | "https" if u.host().is_some() => Ok(Some(u)),
                "http" | "https" => Err(format!("{name}={shown:?} names no proxy host")),
                other => Err(format!(
                    "{name}={shown:?}: {other} proxies are not supported; use an http:// or https:// proxy (or unset {name})"
                )),
            }
        };
        Ok(ProxyEnv {
            http: proxy("HTTP_PROXY")?,
            https: proxy("HTTPS_PROXY")?,
            all: proxy("ALL_PROXY")?,
            no_proxy: var("NO_PROXY")
                .map(|(_, v)| {
                    v.split([',', ' '])
                        .map(|e| e.trim().to_ascii_lowercase())
                        .filter(|e| !e.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    /// The proxy a request to `url` goes through, if any.
    pub fn proxy_for(&self, url: &url::Url) -> Option<&url::Url> {
        if is_loopback(url) || self.bypassed(url) {
            return None;
        }
        match url.scheme() {
            "https" => self.https.as_ref().or(self.all.as_ref()),
            "http" => self.http.as_ref().or(self.all.as_ref()),
            _ => None,
        }
    }

    /// `NO_PROXY` covers the host of `url`.
    fn bypassed(&self, url: &url::Url) -> bool {
        let host = match url.host() {
            Some(url::Host::Domain(d)) => d.trim_end_matches('.').to_ascii_lowercase(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            None => return false,
        };
        let ip: Option<std::net::IpAddr> = host.parse().ok();
        self.no_proxy.iter().any(|entry| {
            if entry == "*" {
                return true;
            }
            let e = entry.trim_start_matches('[');
            let e = match e.split_once(']') {
                Some((inside, _)) => inside,
                // `host:port` (one colon: not an IPv6 address): the port does not matter.
                None => match e.rsplit_once(':') {
                    Some((h, p)) if !h.contains(':') && p.parse::<u16>().is_ok() => h,
                    _ => e,
                },
            };
            if let Some((net, bits)) = e.split_once('/') {
                return match (ip, net.parse::<std::net::IpAddr>(), bits.parse::<u32>()) {
                    (Some(ip), Ok(net), Ok(bits)) => in_cidr(ip, net, bits),
                    _ => false,
                };
            }
            if let (Some(ip), Ok(e)) = (ip, e.parse::<std::net::IpAddr>()) {
                return ip == e;
            }
            let d = e.trim_start_matches("*.").trim_start_matches('.');
            !d.is_empty() && (host == d || host.ends_with(&format!(".{d}")))
        })
    }
}

fn in_cidr(ip: std::net::IpAddr, net: std::net::IpAddr, bits: u32) -> bool {
    use std::net::IpAddr::{V4, V6};
    match (ip, net) {
        (V4(a), V4(b)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(a) & mask == u32::from(b) & mask
        }
        (V6(a), V6(b)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

/// A proxy URL for messages: scheme, host and port, its user and password masked
/// (`http://****@proxy:3128`), never shown.
pub fn proxy_words(u: &url::Url) -> String {
    let auth = if !u.username().is_empty() || u.password().is_some() {
        "****@"
    } else {
        ""
    };
    let host = match u.host() {
        Some(h) => h.to_string(),
        None => String::new(),
    };
    match u.port() {
        Some(p) => format!("{}://{auth}{host}:{p}", u.scheme()),
        None => format!("{}://{auth}{host}", u.scheme()),
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
    fn penv(vars: &[(&str, &str)]) -> Result<ProxyEnv, String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ProxyEnv::from_env(&move |n: &str| {
            vars.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn proxies_for_real_endpoints_never_for_loopback() {
        let u = |s: &str| url::Url::parse(s).unwrap();
        let e = penv(&[
            ("HTTPS_PROXY", "http://proxy:3128"),
            ("http_proxy", "proxy-h:8080"),
            ("ALL_PROXY", "http://all:1"),
        ])
        .unwrap();
        let via = |s: &str| e.proxy_for(&u(s)).map(proxy_words);
        assert_eq!(
            via("https://dts.cn-hangzhou.aliyuncs.com"),
            Some("http://proxy:3128".into())
        );
        assert_eq!(
            via("http://example.com"),
            Some("http://proxy-h:8080".into())
        );
        for lo in [
            "http://127.0.0.1:8080",
            "https://127.0.0.1:8443",
            "http://localhost:1",
            "http://[::1]:9",
            "http://127.9.9.9",
        ] {
            assert_eq!(via(lo), None, "{lo}");
        }
        let all = penv(&[("all_proxy", "https://all:3129")]).unwrap();
        assert_eq!(
            all.proxy_for(&u("https://dts.aliyuncs.com"))
                .map(proxy_words),
            Some("https://all:3129".into())
        );
        assert_eq!(
            penv(&[]).unwrap().proxy_for(&u("https://dts.aliyuncs.com")),
            None
        );
        // The uppercase variable wins over the lowercase one.
        let both = penv(&[
            ("HTTPS_PROXY", "http://up:1"),
            ("https_proxy", "http://low:2"),
        ])
        .unwrap();
        assert_eq!(
            both.proxy_for(&u("https://x.example")).map(proxy_words),
            Some("http://up:1".into())
        );
    }

    #[test]
    fn no_proxy_is_respected() {
        let u = |s: &str| url::Url::parse(s).unwrap();
        let e = penv(&[
            ("HTTPS_PROXY", "http://proxy:3128"),
            (
                "NO_PROXY",
                ".internal.example, aliyuncs.com:443,10.0.0.0/8 ,192.168.1.7,[fd00::1]",
            ),
        ])
        .unwrap();
        for direct in [
            "https://dts.cn-hangzhou.aliyuncs.com",
            "https://aliyuncs.com",
            "https://a.internal.example",
            "https://10.2.3.4",
            "https://192.168.1.7",
            "https://[fd00::1]",
        ] {
            assert_eq!(e.proxy_for(&u(direct)), None, "{direct}");
        }
        for proxied in [
            "https://notaliyuncs.com",
            "https://11.0.0.1",
            "https://192.168.1.8",
            "https://example.com",
        ] {
            assert!(e.proxy_for(&u(proxied)).is_some(), "{proxied}");
        }
        let star = penv(&[("HTTPS_PROXY", "http://p:1"), ("no_proxy", "*")]).unwrap();
        assert_eq!(star.proxy_for(&u("https://dts.aliyuncs.com")), None);
    }

    #[test]
    fn a_proxy_password_is_never_shown_and_bad_values_are_refused() {
        let e = penv(&[("HTTPS_PROXY", "http://ops:s3cretpw@proxy:3128")]).unwrap();
        let p = e
            .proxy_for(&url::Url::parse("https://dts.aliyuncs.com").unwrap())
            .unwrap();
        assert_eq!(proxy_words(p), "http://****@proxy:3128");
        let err = penv(&[("ALL_PROXY", "socks5://u:s3cretpw@sock:1080")]).unwrap_err();
        assert!(err.contains("not supported"), "{err}");
        assert!(!err.contains("s3cretpw"), "{err}");
        let err = penv(&[("HTTPS_PROXY", "http://u:s3cretpw@[bad")]).unwrap_err();
        assert!(!err.contains("s3cretpw"), "{err}");
    }
}
