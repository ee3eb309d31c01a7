//! The switch form, generated from the domain's validation table: only the fields the
//! chosen instance type uses, validated as you type.

use crate::api::ops::EndpointInfo;
use crate::domain::family::{ApiChoice, Family};
use crate::domain::plan::{Side, SwitchRequest};
use crate::domain::rules::{self, EndpointInput, FieldError, FieldId, InstanceType, Need};
use crate::domain::{Job, Topology};
use std::collections::HashMap;
use tui_input::Input;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Item {
    Side,
    Type,
    Field(FieldId),
    /// The maintained family's `Database` (PostgreSQL, MongoDB): optional.
    DatabaseName,
    CrossAccount,
    OwnerId,
    Role,
    Topology,
    /// Which API family to use (auto | legacy | maintained).
    Api,
}

impl Item {
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Item::Field(_) | Item::OwnerId | Item::Role | Item::DatabaseName
        )
    }

    /// The most characters a value of this field can sensibly have: typing stops there
    /// and a paste is cut to it (a 1 MB paste never reaches the field).
    pub fn max_len(self) -> usize {
        match self {
            Item::Field(FieldId::InstanceId) => 64,
            Item::Field(FieldId::Ip) => 45,
            Item::Field(FieldId::Port) => 5,
            Item::OwnerId | Item::Role | Item::DatabaseName => 64,
            _ => 0,
        }
    }
}

/// The API choices the form offers, in order.
pub const API_CHOICES: [ApiChoice; 3] = [ApiChoice::Auto, ApiChoice::Legacy, ApiChoice::Maintained];

const TOPOLOGY_UNKNOWN: &str = "the service did not say whether this job is one-way or two-way (no Reverse entries in the listing and DescribeDtsJobs could not be read): choose one (←/→), two-way sends a second call";

impl FormState {
    /// The instance types the job's family takes: all of them for a new-version job
    /// (a listing proves it, or `maintained` is chosen), the legacy three otherwise
    /// (which the maintained family takes too).
    pub fn types(&self) -> &'static [InstanceType] {
        if self.maintained_sure() {
            &InstanceType::ALL
        } else {
            &InstanceType::LEGACY
        }
    }

    /// The plan will be the maintained family's: chosen, or `auto` on a job a listing
    /// proves new-version.
    pub fn maintained_sure(&self) -> bool {
        match self.api {
            ApiChoice::Maintained => true,
            ApiChoice::Legacy => false,
            // Jobs of both families: only what both take, unless chosen.
            ApiChoice::Auto if self.fleet.is_some() => false,
            ApiChoice::Auto => self.job.family == Some(Family::Maintained),
        }
    }

    /// The plan may be the maintained family's (its extras are offered): chosen, or
    /// `auto` on a job no listing proves legacy.
    pub fn maintained_possible(&self) -> bool {
        match self.api {
            ApiChoice::Maintained => true,
            ApiChoice::Legacy => false,
            ApiChoice::Auto if self.fleet.is_some() => true,
            ApiChoice::Auto => self.job.family != Some(Family::Legacy),
        }
    }
}

#[derive(Debug, Clone)]
pub struct FormState {
    pub job: Job,
    pub side: Side,
    pub itype: InstanceType,
    pub inputs: HashMap<FieldId, Input>,
    pub owner: Input,
    pub role: Input,
    pub port_touched: bool,
    pub cross: bool,
    /// The operator's word on the topology: offered when the service shows one-way
    /// (tick two-way), and required when the topology could not be read (unknown).
    pub topology_choice: Option<Topology>,
    /// Which API family (`--api`): auto by default.
    pub api: ApiChoice,
    /// The maintained family's `Database` (optional).
    pub database_name: Input,
    pub focus: usize,
    pub tried_submit: bool,
    /// A choice was changed with ←/→ once: the row's "←/→ to choose" hint is not needed.
    pub chose_once: bool,
    /// A fleet failover's form: one new endpoint for this many marked jobs (the side
    /// and the topology are each job's own, as the search found them).
    pub fleet: Option<usize>,
}

fn endpoint_of(job: &Job, side: Side) -> &EndpointInfo {
    match side {
        Side::Source => &job.forward.source,
        Side::Destination => &job.forward.destination,
    }
}

impl FormState {
    pub fn new(job: Job) -> Self {
        let side = Side::Source;
        let mut f = FormState {
            job,
            side,
            itype: InstanceType::LocalInstance,
            inputs: FieldId::ALL
                .iter()
                .map(|f| (*f, Input::default()))
                .collect(),
            owner: Input::default(),
            role: Input::default(),
            port_touched: false,
            cross: false,
            topology_choice: None,
            api: ApiChoice::Auto,
            database_name: Input::default(),
            focus: 0,
            tried_submit: false,
            chose_once: false,
            fleet: None,
        };
        f.prefill();
        f
    }

    /// The form of a fleet failover of `jobs` jobs: the new endpoint only, prefilled
    /// from `job`'s side `side` (the first marked job's old endpoint).
    pub fn for_fleet(job: Job, side: Side, jobs: usize) -> Self {
        let mut f = FormState::new(job);
        f.fleet = Some(jobs);
        f.side = side;
        f.inputs = FieldId::ALL
            .iter()
            .map(|f| (*f, Input::default()))
            .collect();
        f.prefill();
        f.focus = 0;
        f
    }

    pub fn current(&self) -> &EndpointInfo {
        endpoint_of(&self.job, self.side)
    }

    pub fn current_of(&self, side: Side) -> &EndpointInfo {
        endpoint_of(&self.job, side)
    }

    /// Keeps what is sensible to keep from the current endpoint: the port (until the
    /// operator edits it), the instance type, and the VPC of an Express endpoint.
    fn prefill(&mut self) {
        let cur = self.current().clone();
        if !self.port_touched {
            self.inputs
                .insert(FieldId::Port, Input::new(cur.port.to_string()));
        }
        if let Ok(t) = cur.instance_type.parse::<InstanceType>() {
            if self.types().contains(&t) {
                self.set_type(t);
            }
        }
        self.prefill_vpc();
    }

    /// An Express endpoint keeps its VPC across a switchover: offer the current one.
    fn prefill_vpc(&mut self) {
        let cur = self.current().instance_id.clone();
        if self.itype == InstanceType::Express
            && self.current().instance_type.parse() == Ok(InstanceType::Express)
            && cur.starts_with("vpc-")
            && self.inputs[&FieldId::InstanceId].value().is_empty()
        {
            self.inputs
                .insert(FieldId::InstanceId, Input::new(cur.to_string()));
        }
    }

    /// Cross-account is offered where the API takes it for the side switched: the legacy
    /// API takes `SourceEndpoint.OwnerID`/`Role` for the source only.
    pub fn cross_offered(&self) -> bool {
        self.fleet.is_some() || self.side == Side::Source || self.maintained_possible()
    }

    /// The focusable items, in order; generated from the rules table.
    pub fn items(&self) -> Vec<Item> {
        let fleet = self.fleet.is_some();
        let mut v = if fleet {
            vec![Item::Type]
        } else {
            vec![Item::Side, Item::Type]
        };
        v.extend(self.itype.spec().shown().map(|r| Item::Field(r.field)));
        if self.maintained_possible() {
            v.push(Item::DatabaseName);
        }
        if self.cross_offered() {
            v.push(Item::CrossAccount);
            if self.cross {
                v.push(Item::OwnerId);
                v.push(Item::Role);
            }
        }
        if !fleet
            && matches!(
                self.job.detected_topology(),
                Topology::OneWay | Topology::Unknown
            )
        {
            v.push(Item::Topology);
        }
        v.push(Item::Api);
        v
    }

    pub fn focused(&self) -> Item {
        let items = self.items();
        items[self.focus.min(items.len() - 1)]
    }

    pub fn focus_item(&mut self, item: Item) {
        if let Some(i) = self.items().iter().position(|x| *x == item) {
            self.focus = i;
        }
    }

    pub fn next(&mut self) {
        self.focus = (self.focus + 1) % self.items().len();
    }

    pub fn prev(&mut self) {
        let n = self.items().len();
        self.focus = (self.focus + n - 1) % n;
    }

    /// The topology the plan will use: the operator's choice, else the service's.
    pub fn topology(&self) -> Topology {
        self.topology_choice
            .unwrap_or_else(|| self.job.detected_topology())
    }

    /// Sets the instance type. The instance id means something else for each type (an
    /// optional id, an ECS instance, a VPC), so a typed one is cleared, never carried
    /// into a field where it would mean something else.
    /// The IP means a public address for LocalInstance and a private (VPC) one for
    /// Express: it is cleared too.
    fn set_type(&mut self, t: InstanceType) {
        if t != self.itype {
            self.itype = t;
            self.inputs.insert(FieldId::InstanceId, Input::default());
            self.inputs.insert(FieldId::Ip, Input::default());
        }
    }

    /// ←/→ on a choice, Space on a toggle. `delta` is -1 or +1.
    pub fn change(&mut self, delta: i32) {
        if matches!(self.focused(), Item::Side | Item::Type | Item::Api) {
            self.chose_once = true;
        }
        match self.focused() {
            Item::Side => {
                // Another database: nothing typed for the first one applies.
                self.side = self.side.opposite();
                for f in FieldId::ALL {
                    self.inputs.insert(f, Input::default());
                }
                self.port_touched = false;
                self.cross = false;
                self.owner = Input::default();
                self.role = Input::default();
                self.prefill();
            }
            Item::Type => {
                let all = self.types();
                let i = all.iter().position(|t| *t == self.itype).unwrap_or(0) as i32;
                let n = all.len() as i32;
                self.set_type(all[((i + delta).rem_euclid(n)) as usize]);
                self.prefill_vpc();
            }
            Item::CrossAccount => self.cross = !self.cross,
            Item::Api => {
                let i = API_CHOICES.iter().position(|a| *a == self.api).unwrap_or(0) as i32;
                self.api = API_CHOICES[((i + delta).rem_euclid(3)) as usize];
                if !self.types().contains(&self.itype) {
                    // A maintained-only type the legacy family does not take: back to
                    // the current endpoint's type, else the first one.
                    let t = self
                        .current()
                        .instance_type
                        .parse::<InstanceType>()
                        .ok()
                        .filter(|t| self.types().contains(t))
                        .unwrap_or(InstanceType::LocalInstance);
                    self.set_type(t);
                    self.prefill_vpc();
                }
                if !self.maintained_possible() {
                    self.database_name = Input::default();
                }
                // The focus stays on this row (the rows above may have changed).
                self.focus_item(Item::Api);
            }
            Item::Topology => {
                self.topology_choice = match (self.job.detected_topology(), self.topology_choice) {
                    // Unknown: the operator must choose one of the two.
                    (Topology::Unknown, Some(Topology::OneWay)) => Some(Topology::TwoWay),
                    (Topology::Unknown, _) => Some(Topology::OneWay),
                    // One-way as the service shows it: tick two-way, or not.
                    (_, Some(Topology::TwoWay)) => None,
                    (_, _) => Some(Topology::TwoWay),
                }
            }
            _ => {}
        }
        let n = self.items().len();
        self.focus = self.focus.min(n - 1);
    }

    pub fn input_mut(&mut self, item: Item) -> Option<&mut Input> {
        match item {
            Item::Field(f) => {
                if f == FieldId::Port {
                    self.port_touched = true;
                }
                self.inputs.get_mut(&f)
            }
            Item::OwnerId => Some(&mut self.owner),
            Item::Role => Some(&mut self.role),
            Item::DatabaseName => Some(&mut self.database_name),
            _ => None,
        }
    }

    pub fn input(&self, item: Item) -> Option<&Input> {
        match item {
            Item::Field(f) => self.inputs.get(&f),
            Item::OwnerId => Some(&self.owner),
            Item::Role => Some(&self.role),
            Item::DatabaseName => Some(&self.database_name),
            _ => None,
        }
    }

    /// The message to show beside `item`: an error, or None when it is fine. Empty
    /// fields are not flagged until the operator tries to go on.
    pub fn error_for(&self, item: Item) -> Option<String> {
        if item == Item::Topology {
            return (self.tried_submit && self.topology() == Topology::Unknown)
                .then(|| TOPOLOGY_UNKNOWN.to_string());
        }
        let value = self.input(item).map(|i| i.value().trim().to_string())?;
        if value.is_empty() && !self.tried_submit {
            return None;
        }
        match item {
            Item::Field(f) => rules::validate_field(self.itype, f, &value).err(),
            Item::OwnerId => {
                if value.is_empty() {
                    Some("required for a cross-account switch (with the RAM role)".into())
                } else {
                    rules::validate_owner_id(&value).err()
                }
            }
            Item::Role => {
                if value.is_empty() {
                    Some("required for a cross-account switch (with the account id)".into())
                } else {
                    rules::validate_role(&value).err()
                }
            }
            // Optional: empty is left out.
            Item::DatabaseName if value.is_empty() => None,
            Item::DatabaseName => rules::no_inner_space(&value).err(),
            _ => None,
        }
    }

    /// A warning beside `item` (not an error: it does not block the preview), e.g. a
    /// LocalInstance address that is not public.
    pub fn warning_for(&self, item: Item) -> Option<String> {
        match item {
            Item::Field(FieldId::Ip) if self.error_for(item).is_none() => {
                rules::address_warning(self.itype, self.inputs[&FieldId::Ip].value().trim())
            }
            _ => None,
        }
    }

    /// What is known about the chosen database's current endpoint when it is not a plain
    /// self-managed one (ApsaraDB, reached through Database Gateway or CEN, a type
    /// dts-switch does not know), and whether a switch of it is refused.
    pub fn side_note(&self) -> Option<(String, bool)> {
        let cur = self.current();
        let side = format!("the {}", self.side.as_str().to_ascii_lowercase());
        let maintained = match (self.maintained_sure(), self.maintained_possible()) {
            (true, _) => Some(true),
            (false, false) => Some(false),
            (false, true) => None,
        };
        rules::current_endpoint_note(&cur.instance_type, &cur.instance_id, &side, maintained).map(
            |n| {
                (
                    n,
                    maintained == Some(false) && rules::refuses_switch(&cur.instance_type),
                )
            },
        )
    }

    pub fn need(&self, f: FieldId) -> Need {
        self.itype.spec().rule(f).need
    }

    /// The validated request, or every problem. Fields the type does not show are
    /// left out, so a value typed for another type is never sent.
    pub fn to_request(&self) -> Result<SwitchRequest, Vec<FieldError>> {
        let val = |f: FieldId| {
            (self.need(f) != Need::NotShown).then(|| self.inputs[&f].value().to_string())
        };
        let db = self.database_name.value().trim();
        let extra = rules::MaintainedExtras {
            database_name: (self.maintained_possible() && !db.is_empty()).then(|| db.to_string()),
            ..Default::default()
        };
        let db_error = (self.maintained_possible() && !db.is_empty())
            .then(|| rules::no_inner_space(db).err())
            .flatten()
            .map(|m| FieldError {
                flag: "--database-name",
                param: "Database",
                message: m,
            });
        let input = EndpointInput {
            extra,
            instance_id: val(FieldId::InstanceId),
            ip: val(FieldId::Ip),
            port: val(FieldId::Port),
            owner_id: (self.cross && self.cross_offered()).then(|| self.owner.value().to_string()),
            role: (self.cross && self.cross_offered()).then(|| self.role.value().to_string()),
        };
        let mut endpoint = rules::validate(self.itype, &input);
        if let Some(e) = db_error {
            match &mut endpoint {
                Ok(_) => endpoint = Err(vec![e]),
                Err(v) => v.push(e),
            }
        }
        if self.topology() == Topology::Unknown && self.fleet.is_none() {
            let e = FieldError {
                flag: "--topology",
                param: "topology",
                message: TOPOLOGY_UNKNOWN.into(),
            };
            match &mut endpoint {
                Ok(_) => endpoint = Err(vec![e]),
                Err(v) => v.push(e),
            }
        }
        Ok(SwitchRequest {
            database: self.side,
            endpoint: endpoint?,
            only_direction: None,
            topology: self.topology_choice,
        })
    }

    /// Focuses the first field with a problem.
    pub fn focus_first_error(&mut self) {
        let items = self.items();
        if let Some(i) = items.iter().position(|it| self.error_for(*it).is_some()) {
            self.focus = i;
        }
    }
}
