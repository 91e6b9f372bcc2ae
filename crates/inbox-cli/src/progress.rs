//! What `inbox sync` shows while it runs: each account's progress (`SyncEvent::Progress`) as an
//! indicatif bar on a terminal (`待办已就绪 · 历史 3,200 / 10,000 · 约 12 分钟`), and as plain
//! lines when stdout is not one (a script, a log file): a line per change of phase and per
//! tenth of the history, so a 10k history writes a dozen lines, not ten thousand.

use inbox_core::sync::SyncEvent;
use inbox_core::{Service, SyncPhase, SyncProgress};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Arc;
use tokio::sync::{broadcast, oneshot};

/// The running display; [`Shown::end`] clears it once the syncs returned.
pub struct Shown {
    done: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Shown {
    pub async fn end(self) {
        let _ = self.done.send(());
        let _ = self.task.await;
    }
}

/// Starts showing the progress of every account's sync.
pub fn show(service: &Arc<Service>) -> Shown {
    let names: HashMap<i64, String> =
        service.accounts().unwrap_or_default().into_iter().map(|a| (a.id, a.name)).collect();
    let events = service.subscribe();
    let (done, stop) = oneshot::channel();
    let task = if std::io::stdout().is_terminal() {
        tokio::spawn(bars(names, events, stop))
    } else {
        tokio::spawn(lines(names, events, stop))
    };
    Shown { done, task }
}

/// The progress in words, as the window's sidebar says it.
pub fn words(p: &SyncProgress) -> String {
    let history = format!("历史 {} / {}", thousands(p.history_done), thousands(p.history_total));
    let eta = p.eta_secs.map(|s| format!(" · 约 {}", duration_words(s))).unwrap_or_default();
    match p.phase {
        SyncPhase::Todos => format!("正在读取待办 · 已列出 {} 条", thousands(p.listed)),
        SyncPhase::History => format!("待办已就绪 · {history}{eta}"),
        SyncPhase::Done => format!("同步完成 · {history}"),
        SyncPhase::Stopped if p.todo_ready => format!("已停止 · 待办已就绪 · {history}，下次继续"),
        SyncPhase::Stopped => "已停止，下次继续".to_string(),
    }
}

/// 10000 → "10,000".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn duration_words(secs: u64) -> String {
    match secs {
        0..=59 => format!("{secs} 秒"),
        60..=3599 => format!("{} 分钟", secs.div_ceil(60)),
        _ => format!("{} 小时 {} 分钟", secs / 3600, (secs % 3600) / 60),
    }
}

/// The next progress event, or `None` once the syncs returned (or the service is gone).
async fn next(
    events: &mut broadcast::Receiver<SyncEvent>,
    stop: &mut oneshot::Receiver<()>,
) -> Option<(i64, SyncProgress)> {
    loop {
        tokio::select! {
            _ = &mut *stop => return None,
            event = events.recv() => match event {
                Ok(SyncEvent::Progress { account_id, progress }) => return Some((account_id, progress)),
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            },
        }
    }
}

async fn bars(
    names: HashMap<i64, String>,
    mut events: broadcast::Receiver<SyncEvent>,
    mut stop: oneshot::Receiver<()>,
) {
    let all = indicatif::MultiProgress::new();
    let style = indicatif::ProgressStyle::with_template("{prefix} {bar:30} {msg}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    let mut shown: HashMap<i64, indicatif::ProgressBar> = HashMap::new();
    while let Some((account, p)) = next(&mut events, &mut stop).await {
        let bar = shown.entry(account).or_insert_with(|| {
            let bar = all.add(indicatif::ProgressBar::new(0).with_style(style.clone()));
            bar.set_prefix(names.get(&account).cloned().unwrap_or_else(|| account.to_string()));
            bar
        });
        bar.set_length(p.history_total);
        bar.set_position(p.history_done);
        bar.set_message(words(&p));
    }
    for bar in shown.values() {
        bar.finish_and_clear();
    }
}

async fn lines(
    names: HashMap<i64, String>,
    mut events: broadcast::Receiver<SyncEvent>,
    mut stop: oneshot::Receiver<()>,
) {
    let mut said: HashMap<i64, (SyncPhase, u64)> = HashMap::new();
    while let Some((account, p)) = next(&mut events, &mut stop).await {
        let tenth = (p.history_done * 10).checked_div(p.history_total).unwrap_or(0);
        if said.insert(account, (p.phase, tenth)) != Some((p.phase, tenth)) {
            let name = names.get(&account).cloned().unwrap_or_else(|| account.to_string());
            println!("{name}: {}", words(&p));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(phase: SyncPhase, done: u64, total: u64, eta: Option<u64>) -> SyncProgress {
        SyncProgress {
            phase,
            todo_ready: phase != SyncPhase::Todos,
            listed: 12_000,
            history_total: total,
            history_done: done,
            eta_secs: eta,
        }
    }

    #[test]
    fn progress_is_said_as_the_sidebar_says_it() {
        assert_eq!(
            words(&at(SyncPhase::History, 3_200, 10_000, Some(720))),
            "待办已就绪 · 历史 3,200 / 10,000 · 约 12 分钟"
        );
        assert_eq!(words(&at(SyncPhase::Todos, 0, 0, None)), "正在读取待办 · 已列出 12,000 条");
        assert_eq!(words(&at(SyncPhase::Stopped, 5, 9, None)), "已停止 · 待办已就绪 · 历史 5 / 9，下次继续");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
    }
}
