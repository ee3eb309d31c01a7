//! The DTS regions (`dts-api.md` §4, `dts-api-maintained.md` §4): ids, names, and
//! which host serves each (`api::endpoint` makes the URL).

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
