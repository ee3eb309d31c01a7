//! What several commands take alike, checked before anything is sent: the new endpoint's
//! flags (by the rules table), the verification flags, and the target flags every printed
//! command carries.

use crate::cli::{exit, CliError, NewEndpointArgs};
use crate::domain::rules;
use crate::domain::EndpointInput;
use crate::text::clean;
use std::time::Duration;

/// The new account's password: the first line of stdin with `--password-stdin`, else
/// `DTS_SWITCH_DB_PASSWORD`. Never a flag.
fn read_password(a: &NewEndpointArgs) -> Result<Option<crate::domain::rules::Secret>, String> {
    if a.password_stdin {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::stdin().lock(), &mut line)
            .map_err(|e| format!("--password-stdin: cannot read stdin: {e}"))?;
        let pw = line.trim_end_matches(['\n', '\r']).to_string();
        if pw.is_empty() {
            return Err("--password-stdin: the first line of stdin is empty".into());
        }
        return Ok(Some(crate::domain::rules::Secret::new(pw)));
    }
    Ok(std::env::var("DTS_SWITCH_DB_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty())
        .map(crate::domain::rules::Secret::new))
}

/// The new endpoint's flags, checked by the rules table: the endpoint, or every
/// problem at once (one indented line each). Local checks only.
pub fn validate_endpoint(a: &NewEndpointArgs) -> Result<rules::ValidEndpoint, Vec<String>> {
    let mut lines: Vec<String> = Vec::new();
    let mut extra = rules::MaintainedExtras::default();
    for (flag, v, slot) in [
        (
            "--database-name",
            &a.database_name,
            &mut extra.database_name,
        ),
        (
            "--endpoint-region",
            &a.endpoint_region,
            &mut extra.endpoint_region,
        ),
        ("--username", &a.username, &mut extra.username),
    ] {
        if let Some(v) = v {
            let v = v.trim();
            if v.is_empty() {
                lines.push(format!("  {flag}: is empty; leave it out or give a value"));
            } else if let Err(why) = rules::no_inner_space(v) {
                lines.push(format!("  {flag} {}", clean(&why)));
            } else if flag == "--endpoint-region"
                && crate::api::endpoint::validate_region(v).is_err()
            {
                lines.push(format!(
                    "  {flag} {:?}: not a region id (e.g. cn-hangzhou)",
                    clean(v)
                ));
            } else {
                *slot = Some(v.to_string());
            }
        }
    }
    if a.password_stdin && a.username.is_none() {
        lines.push(
            "  --password-stdin: a password is for an account change: give --username too".into(),
        );
    }
    if a.username.is_some() {
        match read_password(a) {
            Ok(Some(pw)) => extra.password = Some(pw),
            Ok(None) => lines.push("  --username: an account change needs its password: give it on stdin with --password-stdin, or in DTS_SWITCH_DB_PASSWORD (never as a flag)".into()),
            Err(e) => lines.push(format!("  {e}")),
        }
    }
    let input = EndpointInput {
        instance_id: a.instance_id.clone(),
        ip: a.ip.clone(),
        port: a.port.clone(),
        owner_id: a.owner_id.clone(),
        role: a.role.clone(),
        extra,
    };
    let endpoint = rules::validate(a.instance_type, &input);
    if let Err(errs) = &endpoint {
        // Each parameter as the chosen API names it; both names while the family is
        // still to be found (`--api auto`).
        use crate::domain::family::ApiChoice;
        lines.extend(errs.iter().map(|e| match a.api {
            ApiChoice::Auto => format!("  {e}"),
            api => format!("  {}", e.clone().in_api(api == ApiChoice::Maintained)),
        }));
    }
    if a.api == crate::domain::family::ApiChoice::Legacy {
        if let Ok(e) = &endpoint {
            lines.extend(
                // The side is each job's (a failover finds it): the plan checks it.
                crate::domain::family::legacy::unsupported(e, None)
                    .into_iter()
                    .map(|l| format!("  {l}")),
            );
        }
    }
    match endpoint {
        Ok(e) if lines.is_empty() => Ok(e),
        _ => Err(lines),
    }
}

/// `--healthy-delay` and `--verify-timeout` within a day (a typo like `99999h` would
/// make any delay "healthy" or wait for years).
pub fn check_verify_args(v: &crate::cli::VerifyArgs) -> Result<(), CliError> {
    let day = Duration::from_secs(86_400);
    for (flag, d) in [
        ("--healthy-delay", v.healthy_delay),
        ("--verify-timeout", v.verify_timeout),
    ] {
        if d > day {
            return Err(CliError::new(
                exit::BAD_INPUT,
                format!(
                    "{flag} {}: at most 24h (nothing was sent)",
                    humantime::format_duration(d)
                ),
            ));
        }
    }
    Ok(())
}

/// The global flags a follow-up command needs to reach the same service and journal
/// (` --endpoint URL --journal PATH …`), so a printed command does what it says.
pub fn target_flags(g: &crate::cli::Global) -> String {
    let mut f = String::new();
    if g.demo {
        f.push_str(" --demo");
    }
    if let Some(p) = &g.profile {
        f.push_str(&format!(" --profile {}", clean(p)));
    }
    if let Some(e) = &g.endpoint {
        f.push_str(&format!(" --endpoint {}", clean(e)));
    }
    if let Some(j) = &g.journal {
        f.push_str(&format!(" --journal {}", clean(&j.display().to_string())));
    }
    f
}
