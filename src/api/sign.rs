//! Alibaba Cloud RPC signature, version 1.0 (HMAC-SHA1), as described in
//! `dts-api.md` §3.2. Pure functions: no I/O, no clock, no randomness.

use base64::Engine;
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};
use sha1::Sha1;

/// The complete signed parameters of one RPC request (POST): the common parameters
/// (`Action`, `Version`, `Format=JSON`, the AccessKeyId, the signature method, `nonce`,
/// `timestamp`, the security token when there is one), the business `params`, and the
/// `Signature` computed over all of them. The DTS client and STS AssumeRole both use it.
pub fn signed_request(
    c: &crate::api::credentials::Credentials,
    action: &str,
    version: &str,
    nonce: &str,
    timestamp: &str,
    params: Vec<(String, String)>,
) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = [
        ("Action", action),
        ("Version", version),
        ("Format", "JSON"),
        ("AccessKeyId", c.access_key_id.as_str()),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("SignatureNonce", nonce),
        ("Timestamp", timestamp),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    if let Some(t) = &c.security_token {
        all.push(("SecurityToken".into(), t.expose().to_string()));
    }
    all.extend(params);
    let sig = sign(
        "POST",
        all.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        c.access_key_secret.expose(),
    );
    all.push(("Signature".into(), sig));
    all
}

/// Every byte except `A–Z a–z 0–9 - _ . ~` is encoded, with uppercase hex.
const RPC_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes a name or value for signing (RFC 3986 unreserved set kept).
pub fn percent_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, RPC_ENCODE).to_string()
}

/// The canonical query string: pairs encoded, sorted by encoded name in byte order,
/// joined with `&`. `Signature` is never part of it.
pub fn canonical_query<'a, I>(params: I) -> String
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut pairs: Vec<(String, String)> = params
        .into_iter()
        .filter(|(k, _)| *k != "Signature")
        .map(|(k, v)| (percent_encode(k), percent_encode(v)))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// `METHOD&%2F&percentEncode(canonicalQuery)`.
pub fn string_to_sign(method: &str, canonical_query: &str) -> String {
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        percent_encode("/"),
        percent_encode(canonical_query)
    )
}

/// `Base64(HMAC-SHA1(secret + "&", string_to_sign))`.
pub fn hmac_sha1_signature(secret: &str, string_to_sign: &str) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(format!("{secret}&").as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Signs a full parameter set (everything but `Signature`) for `method`.
pub fn sign<'a, I>(method: &str, params: I, secret: &str) -> String
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let sts = string_to_sign(method, &canonical_query(params));
    hmac_sha1_signature(secret, &sts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
        pairs.to_vec()
    }

    #[test]
    fn encoding_rules() {
        assert_eq!(percent_encode("a b"), "a%20b");
        assert_eq!(percent_encode("*"), "%2A");
        assert_eq!(percent_encode("~"), "~");
        assert_eq!(percent_encode("/:=+&"), "%2F%3A%3D%2B%26");
        assert_eq!(percent_encode("é"), "%C3%A9");
        assert_eq!(percent_encode("AZaz09-_.~"), "AZaz09-_.~");
    }

    #[test]
    fn sort_is_byte_order_case_sensitive() {
        let q = canonical_query(p(&[("Endpoint.InstanceId", "x"), ("Endpoint.IP", "y")]));
        assert_eq!(q, "Endpoint.IP=y&Endpoint.InstanceId=x");
    }

    #[test]
    fn vector_v0_describe_regions() {
        let params = p(&[
            ("AccessKeyId", "testid"),
            ("Action", "DescribeRegions"),
            ("Format", "XML"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("SignatureVersion", "1.0"),
            ("Timestamp", "2016-02-23T12:46:24Z"),
            ("Version", "2014-05-26"),
        ]);
        let sts = string_to_sign("GET", &canonical_query(params.clone()));
        assert_eq!(
            sts,
            "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
        );
        let sig = sign("GET", params, "testsecret");
        assert_eq!(sig, "OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
        assert_eq!(percent_encode(&sig), "OLeaidS1JvxuMvnyHOwuJ%2BuX5qY%3D");
    }

    fn v1_params(format: &'static str) -> Vec<(&'static str, &'static str)> {
        p(&[
            ("AccessKeyId", "testid"),
            ("Action", "SwitchSynchronizationEndpoint"),
            ("Endpoint.InstanceId", "i-bp1abcdefg"),
            ("Endpoint.InstanceType", "ECS"),
            ("Endpoint.Port", "3306"),
            ("Endpoint.Type", "Source"),
            ("Format", format),
            ("RegionId", "cn-hangzhou"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "15215528852396"),
            ("SignatureVersion", "1.0"),
            ("SourceEndpoint.Role", "ops role/a*b~c:d 数据库-é"),
            ("SynchronizationDirection", "Forward"),
            ("SynchronizationJobId", "dtsr1ab2c3d4e5f6g"),
            ("Timestamp", "2024-05-01T12:00:00Z"),
            ("Version", "2020-01-01"),
        ])
    }

    #[test]
    fn vector_v1_switch_post_odd_characters() {
        let q = canonical_query(v1_params("JSON"));
        assert_eq!(
            q,
            "AccessKeyId=testid&Action=SwitchSynchronizationEndpoint&Endpoint.InstanceId=i-bp1abcdefg&Endpoint.InstanceType=ECS&Endpoint.Port=3306&Endpoint.Type=Source&Format=JSON&RegionId=cn-hangzhou&SignatureMethod=HMAC-SHA1&SignatureNonce=15215528852396&SignatureVersion=1.0&SourceEndpoint.Role=ops%20role%2Fa%2Ab~c%3Ad%20%E6%95%B0%E6%8D%AE%E5%BA%93-%C3%A9&SynchronizationDirection=Forward&SynchronizationJobId=dtsr1ab2c3d4e5f6g&Timestamp=2024-05-01T12%3A00%3A00Z&Version=2020-01-01"
        );
        assert_eq!(
            string_to_sign("POST", &q),
            "POST&%2F&AccessKeyId%3Dtestid%26Action%3DSwitchSynchronizationEndpoint%26Endpoint.InstanceId%3Di-bp1abcdefg%26Endpoint.InstanceType%3DECS%26Endpoint.Port%3D3306%26Endpoint.Type%3DSource%26Format%3DJSON%26RegionId%3Dcn-hangzhou%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D15215528852396%26SignatureVersion%3D1.0%26SourceEndpoint.Role%3Dops%2520role%252Fa%252Ab~c%253Ad%2520%25E6%2595%25B0%25E6%258D%25AE%25E5%25BA%2593-%25C3%25A9%26SynchronizationDirection%3DForward%26SynchronizationJobId%3Ddtsr1ab2c3d4e5f6g%26Timestamp%3D2024-05-01T12%253A00%253A00Z%26Version%3D2020-01-01"
        );
        assert_eq!(
            sign("POST", v1_params("JSON"), "testsecret"),
            "vQ4eWJD8PHRVDuyWeqg6yJsF8EY="
        );
    }

    #[test]
    fn vector_v2_switch_get_express_sts() {
        let params = p(&[
            ("AccessKeyId", "testid"),
            ("Action", "SwitchSynchronizationEndpoint"),
            ("Endpoint.IP", "172.16.0.10"),
            ("Endpoint.InstanceId", "vpc-bp1xyz"),
            ("Endpoint.InstanceType", "Express"),
            ("Endpoint.Port", "3306"),
            ("Endpoint.Type", "Destination"),
            ("Format", "JSON"),
            ("RegionId", "cn-shanghai"),
            ("SecurityToken", "CAIS+token/with=chars*~"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "a1b2c3d4-0000-4000-8000-000000000001"),
            ("SignatureVersion", "1.0"),
            ("SynchronizationDirection", "Reverse"),
            ("SynchronizationJobId", "dtsr1ab2c3d4e5f6g"),
            ("Timestamp", "2024-05-01T12:00:00Z"),
            ("Version", "2020-01-01"),
        ]);
        let q = canonical_query(params.clone());
        assert_eq!(
            q,
            "AccessKeyId=testid&Action=SwitchSynchronizationEndpoint&Endpoint.IP=172.16.0.10&Endpoint.InstanceId=vpc-bp1xyz&Endpoint.InstanceType=Express&Endpoint.Port=3306&Endpoint.Type=Destination&Format=JSON&RegionId=cn-shanghai&SecurityToken=CAIS%2Btoken%2Fwith%3Dchars%2A~&SignatureMethod=HMAC-SHA1&SignatureNonce=a1b2c3d4-0000-4000-8000-000000000001&SignatureVersion=1.0&SynchronizationDirection=Reverse&SynchronizationJobId=dtsr1ab2c3d4e5f6g&Timestamp=2024-05-01T12%3A00%3A00Z&Version=2020-01-01"
        );
        assert_eq!(
            string_to_sign("GET", &q),
            "GET&%2F&AccessKeyId%3Dtestid%26Action%3DSwitchSynchronizationEndpoint%26Endpoint.IP%3D172.16.0.10%26Endpoint.InstanceId%3Dvpc-bp1xyz%26Endpoint.InstanceType%3DExpress%26Endpoint.Port%3D3306%26Endpoint.Type%3DDestination%26Format%3DJSON%26RegionId%3Dcn-shanghai%26SecurityToken%3DCAIS%252Btoken%252Fwith%253Dchars%252A~%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3Da1b2c3d4-0000-4000-8000-000000000001%26SignatureVersion%3D1.0%26SynchronizationDirection%3DReverse%26SynchronizationJobId%3Ddtsr1ab2c3d4e5f6g%26Timestamp%3D2024-05-01T12%253A00%253A00Z%26Version%3D2020-01-01"
        );
        let sig = sign("GET", params, "testsecret");
        assert_eq!(sig, "YYrk0PlGAmW6/aCbxtgkcw0jgvk=");
        assert_eq!(percent_encode(&sig), "YYrk0PlGAmW6%2FaCbxtgkcw0jgvk%3D");
    }

    #[test]
    fn vector_v3_status_post() {
        let params = p(&[
            ("AccessKeyId", "testid"),
            ("Action", "DescribeEndpointSwitchStatus"),
            ("Format", "JSON"),
            ("RegionId", "cn-hangzhou"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "nonce-3"),
            ("SignatureVersion", "1.0"),
            ("TaskId", "123456"),
            ("Timestamp", "2024-05-01T12:00:05Z"),
            ("Version", "2020-01-01"),
        ]);
        assert_eq!(
            string_to_sign("POST", &canonical_query(params.clone())),
            "POST&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeEndpointSwitchStatus%26Format%3DJSON%26RegionId%3Dcn-hangzhou%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3Dnonce-3%26SignatureVersion%3D1.0%26TaskId%3D123456%26Timestamp%3D2024-05-01T12%253A00%253A05Z%26Version%3D2020-01-01"
        );
        assert_eq!(
            sign("POST", params, "testsecret"),
            "djdEWD23OR3f6HLAWULsW66ANm4="
        );
    }

    #[test]
    fn vector_v4_tea_client_lowercase_format() {
        assert_eq!(
            sign("POST", v1_params("json"), "testsecret"),
            "WAgLnzPChX02LsseZLWFiNj3gCo="
        );
    }

    #[test]
    fn signature_param_is_excluded() {
        let mut with = v1_params("JSON");
        with.push(("Signature", "whatever"));
        assert_eq!(
            sign("POST", with, "testsecret"),
            "vQ4eWJD8PHRVDuyWeqg6yJsF8EY="
        );
    }
}
