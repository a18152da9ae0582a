//! User intents. Keys map to actions through the keymap; `App::update` applies
//! actions. Each action has a stable name (used in `[keys]` of config.toml) and a
//! description (shown by `?`).

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    // Everywhere.
    Quit,
    Back,
    Help,
    CommandLine,
    NextView,
    PrevView,
    ShowTopics,
    ShowGroups,
    ShowMessages,
    ShowPublish,
    ShowServices,
    Refresh,
    // Lists and tables.
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Filter,
    // Topics and topic detail.
    TailTopic,
    // Messages.
    Pause,
    FromBeginning,
    FromEnd,
    FromOffset,
    FromTime,
    ToggleDetail,
    DetailDown,
    DetailUp,
    Clear,
    // Publisher panel.
    NextForm,
    PrevForm,
    Edit,
    Send,
    ResetForm,
    CancelBulk,
    // Services.
    ToggleServices,
}

impl Action {
    pub const ALL: [Action; 37] = [
        Action::Quit,
        Action::Back,
        Action::Help,
        Action::CommandLine,
        Action::NextView,
        Action::PrevView,
        Action::ShowTopics,
        Action::ShowGroups,
        Action::ShowMessages,
        Action::ShowPublish,
        Action::ShowServices,
        Action::Refresh,
        Action::Up,
        Action::Down,
        Action::PageUp,
        Action::PageDown,
        Action::Top,
        Action::Bottom,
        Action::Open,
        Action::Filter,
        Action::TailTopic,
        Action::Pause,
        Action::FromBeginning,
        Action::FromEnd,
        Action::FromOffset,
        Action::FromTime,
        Action::ToggleDetail,
        Action::DetailDown,
        Action::DetailUp,
        Action::Clear,
        Action::NextForm,
        Action::PrevForm,
        Action::Edit,
        Action::Send,
        Action::ResetForm,
        Action::CancelBulk,
        Action::ToggleServices,
    ];

    /// The name used in config.toml's `[keys]` table.
    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Back => "back",
            Action::Help => "help",
            Action::CommandLine => "command",
            Action::NextView => "next-view",
            Action::PrevView => "prev-view",
            Action::ShowTopics => "view-topics",
            Action::ShowGroups => "view-groups",
            Action::ShowMessages => "view-messages",
            Action::ShowPublish => "view-publish",
            Action::ShowServices => "view-services",
            Action::Refresh => "refresh",
            Action::Up => "up",
            Action::Down => "down",
            Action::PageUp => "page-up",
            Action::PageDown => "page-down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::Open => "open",
            Action::Filter => "filter",
            Action::TailTopic => "tail-topic",
            Action::Pause => "pause",
            Action::FromBeginning => "from-beginning",
            Action::FromEnd => "from-end",
            Action::FromOffset => "from-offset",
            Action::FromTime => "from-time",
            Action::ToggleDetail => "toggle-detail",
            Action::DetailDown => "detail-down",
            Action::DetailUp => "detail-up",
            Action::Clear => "clear",
            Action::NextForm => "next-form",
            Action::PrevForm => "prev-form",
            Action::Edit => "edit",
            Action::Send => "send",
            Action::ResetForm => "reset-form",
            Action::CancelBulk => "cancel-bulk",
            Action::ToggleServices => "toggle-services",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Action::Quit => "quit (ctrl-c always quits)",
            Action::Back => "back / clear filter",
            Action::Help => "this help",
            Action::CommandLine => "command line (:topics, :group NAME, ...)",
            Action::NextView => "next view",
            Action::PrevView => "previous view",
            Action::ShowTopics => "topics",
            Action::ShowGroups => "consumer groups",
            Action::ShowMessages => "messages (live tail)",
            Action::ShowPublish => "publisher panel",
            Action::ShowServices => "embedded services",
            Action::Refresh => "refresh now",
            Action::Up => "up",
            Action::Down => "down",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
            Action::Top => "first row",
            Action::Bottom => "last row",
            Action::Open => "open the selected row",
            Action::Filter => "filter",
            Action::TailTopic => "tail the selected topic",
            Action::Pause => "pause / resume",
            Action::FromBeginning => "restart from the beginning",
            Action::FromEnd => "restart at the end (new records only)",
            Action::FromOffset => "restart at an offset",
            Action::FromTime => "restart at a time (10m, 2026-11-24T10:00:00Z)",
            Action::ToggleDetail => "show / hide the detail pane",
            Action::DetailDown => "scroll the detail pane down",
            Action::DetailUp => "scroll the detail pane up",
            Action::Clear => "clear the records shown",
            Action::NextForm => "next form",
            Action::PrevForm => "previous form",
            Action::Edit => "edit the field (choices: next option)",
            Action::Send => "send (nothing is sent while a field is invalid)",
            Action::ResetForm => "reset the form to its defaults",
            Action::CancelBulk => "cancel the running bulk test",
            Action::ToggleServices => "start / stop the four reference consumers in this process",
        }
    }

    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut names: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
        for a in Action::ALL {
            assert_eq!(Action::from_name(a.name()), Some(a));
            assert!(!a.description().is_empty());
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Action::ALL.len());
    }
}
