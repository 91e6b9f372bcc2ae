//! Names for the openUserIds (`FSUID_…`) the approval calls carry, so people are shown by
//! name. The published calls (docs/fxiaoke-protocol.md, "People"): `user/simpleList
//! {departmentId: 999999, fetchChild: true}` lists the whole company as `{openUserId, name,
//! nickName}` in one call, so a walk that meets an id with no name asks it once; an id the
//! company list lacks (someone who left, say) is asked of `user/get` once for the connector's
//! lifetime. The name shown is `name` (员工姓名), else `nickName`, else the id; a person
//! `user/get` says is stopped gets （已停用）. Names are kept: here for the connector's lifetime,
//! and in the cache as part of each stored approval ([`User::name`]).
//!
//! A lookup never fails an approval: the id is shown. A lookup the vendor answered (a name, or
//! "no such employee") is final; one that got no answer (network, rate limit, token) is tried
//! again at the next walk, never twice in one.
//!
//! [`User::name`]: crate::model::User

use super::client::Client;
use crate::model::{FieldKind, RemoteApproval};
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// What we know of one openUserId.
#[derive(Debug, Clone, PartialEq)]
enum Known {
    Named(String),
    /// The vendor answered without a name (or with "no such employee"): the id is shown.
    Nameless,
    /// The lookup got no answer in walk `walk`: the id is shown until the next walk asks again.
    Failed {
        walk: u64,
    },
}

#[derive(Debug, Default)]
pub struct People {
    known: Mutex<HashMap<String, Known>>,
    /// One `user/get` per id at a time: concurrent reads needing the same person wait for one call.
    asking: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// The walk in which the company list was last asked for.
    listed_in: tokio::sync::Mutex<Option<u64>>,
    walk: AtomicU64,
}

/// The name to show: `name`, else `nickName`; a stopped employee says so.
pub fn display(name: Option<&str>, nick_name: Option<&str>, stopped: bool) -> Option<String> {
    let shown = [name, nick_name].into_iter().flatten().map(str::trim).find(|n| !n.is_empty())?;
    Some(if stopped { format!("{shown}（已停用）") } else { shown.to_string() })
}

/// Whether `id` can be an openUserId worth a call (`FSUID_` + hex in every example): a name,
/// a sentence or an empty value written where an id belongs is shown as it is.
pub fn looks_like_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl People {
    /// A sync walk begins: ids whose lookup got no answer may be asked again, and the company
    /// list may be read once more when an id without a name turns up.
    pub fn new_walk(&self) {
        self.walk.fetch_add(1, Ordering::Relaxed);
    }

    /// Remembers a name learnt elsewhere (the user's own, from `getByMobile`).
    pub fn learn(&self, id: &str, name: &str) {
        if !name.trim().is_empty() {
            self.lock().insert(id.to_string(), Known::Named(name.trim().to_string()));
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Known>> {
        self.known.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What to show for `id` without asking anyone, if that is settled.
    fn settled(&self, id: &str) -> Option<String> {
        let walk = self.walk.load(Ordering::Relaxed);
        match self.lock().get(id)? {
            Known::Named(name) => Some(name.clone()),
            Known::Nameless => Some(id.to_string()),
            Known::Failed { walk: w } if *w == walk => Some(id.to_string()),
            Known::Failed { .. } => None,
        }
    }

    /// The name of `id`: known, from the company list, or from `user/get`; else the id.
    pub async fn name(&self, client: &Client, id: &str) -> String {
        if !looks_like_id(id) {
            return id.to_string();
        }
        if let Some(shown) = self.settled(id) {
            return shown;
        }
        self.list_company(client).await;
        if let Some(shown) = self.settled(id) {
            return shown;
        }
        self.ask(client, id).await
    }

    /// Reads the company list once per walk (and once before the first walk).
    async fn list_company(&self, client: &Client) {
        let walk = self.walk.load(Ordering::Relaxed);
        let mut listed = self.listed_in.lock().await;
        if *listed == Some(walk) {
            return;
        }
        *listed = Some(walk);
        match client.user_simple_list().await {
            Ok(list) => {
                let mut known = self.lock();
                for u in list.user_list {
                    if let Some(name) = display(u.name.as_deref(), u.nick_name.as_deref(), false) {
                        known.insert(u.open_user_id, Known::Named(name));
                    }
                }
            }
            Err(e) => {
                tracing::warn!("fxiaoke: the company's people could not be listed, names are asked one by one: {e}")
            }
        }
    }

    /// `user/get` for one id, at most once while another read asks the same.
    async fn ask(&self, client: &Client, id: &str) -> String {
        let gate = self.asking.lock().unwrap_or_else(|p| p.into_inner()).entry(id.to_string()).or_default().clone();
        let _one_at_a_time = gate.lock().await;
        if let Some(shown) = self.settled(id) {
            return shown;
        }
        let known = match client.user_get(id).await {
            Ok(u) => {
                display(u.name.as_deref(), u.nick_name.as_deref(), u.is_stop).map_or(Known::Nameless, Known::Named)
            }
            Err(e) if e.is_item_level() => {
                tracing::debug!("fxiaoke: no name for {id}: {e}");
                Known::Nameless
            }
            Err(e) => {
                tracing::warn!("fxiaoke: no name for {id} this time: {e}");
                Known::Failed { walk: self.walk.load(Ordering::Relaxed) }
            }
        };
        let shown = match &known {
            Known::Named(name) => name.clone(),
            _ => id.to_string(),
        };
        self.lock().insert(id.to_string(), known);
        shown
    }

    /// Puts names on every person of `a`: its submitter, its steps' members and the values of
    /// its person fields (ids joined with 、).
    pub async fn name_all(&self, client: &Client, a: &mut RemoteApproval) {
        let mut ids = BTreeSet::new();
        ids.insert(a.submitter.id.clone());
        ids.extend(a.steps.iter().flat_map(|s| &s.members).map(|m| m.user.id.clone()));
        for f in a.fields.iter().filter(|f| f.kind == FieldKind::User) {
            ids.extend(f.value.split('、').map(str::to_string));
        }
        let mut names = HashMap::new();
        for id in ids.into_iter().filter(|id| looks_like_id(id)) {
            let name = self.name(client, &id).await;
            names.insert(id, name);
        }
        let named = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
        a.submitter.name = named(&a.submitter.id);
        for m in a.steps.iter_mut().flat_map(|s| s.members.iter_mut()) {
            m.user.name = named(&m.user.id);
        }
        for f in a.fields.iter_mut().filter(|f| f.kind == FieldKind::User) {
            f.value = f.value.split('、').map(named).collect::<Vec<_>>().join("、");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_shown_is_the_name_then_the_nickname() {
        assert_eq!(display(Some("王芳"), Some("Fang"), false).as_deref(), Some("王芳"));
        assert_eq!(display(Some(" "), Some("Kiki"), false).as_deref(), Some("Kiki"));
        assert_eq!(display(None, None, false), None);
        assert_eq!(display(Some("郑离"), None, true).as_deref(), Some("郑离（已停用）"));
        assert!(looks_like_id("FSUID_442A9447ADD9EB86760B4AF319D187AC"));
        assert!(!looks_like_id("张伟") && !looks_like_id("") && !looks_like_id(&"F".repeat(65)));
    }

    #[test]
    fn an_unanswered_lookup_is_asked_again_at_the_next_walk_only() {
        let p = People::default();
        p.lock().insert("FSUID_A".into(), Known::Failed { walk: 0 });
        p.lock().insert("FSUID_B".into(), Known::Nameless);
        p.learn("FSUID_C", "李娜");
        assert_eq!(p.settled("FSUID_A").as_deref(), Some("FSUID_A"), "not again in the same walk");
        assert_eq!(p.settled("FSUID_B").as_deref(), Some("FSUID_B"));
        assert_eq!(p.settled("FSUID_C").as_deref(), Some("李娜"));
        p.new_walk();
        assert_eq!(p.settled("FSUID_A"), None, "asked again");
        assert_eq!(p.settled("FSUID_B").as_deref(), Some("FSUID_B"), "an answer is final");
    }
}
