//! User intents, and the one table that says everything about each: its name
//! (used in `[keys]` of config.toml), what `?` says it does, the one-word hint
//! of the status bar, and its default keys in each scope where it applies.
//! Key handling ([`Keymap`](super::keymap::Keymap)), the `[keys]` validation
//! and the help screen are all derived from [`TABLE`].
//!
//! Modal scopes (the help overlay, text input, the command line, form fields)
//! are rows like the others: remapping `down` also scrolls the help.
//!
//! [`Scope`], where a binding applies, is here too: the table names it, and
//! the keymap reads both.

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    Global,
    List,
    Overview,
    Topics,
    TopicDetail,
    Groups,
    GroupDetail,
    Messages,
    Publish,
    Services,
    Timeline,
    /// The `?` overlay.
    Help,
    /// Any line being typed: the command line, a filter, a prompt, a form field.
    Input,
    /// The `:` command line (and [`Scope::Input`]).
    CommandLine,
    /// A field of the publisher's form being edited (and [`Scope::Input`]).
    Form,
    /// An operation's dialog (its fields and confirmation are typed).
    Dialog,
}

impl Scope {
    pub fn title(self) -> &'static str {
        match self {
            Scope::Global => "Everywhere",
            Scope::List => "Lists",
            Scope::Overview => "Overview",
            Scope::Topics => "Topics",
            Scope::TopicDetail => "Topic detail",
            Scope::Groups => "Consumer groups",
            Scope::GroupDetail => "Group detail",
            Scope::Messages => "Messages",
            Scope::Publish => "Publisher",
            Scope::Services => "Services",
            Scope::Timeline => "Timeline",
            Scope::Help => "Help",
            Scope::Input => "Text input (command line, filter, form fields)",
            Scope::CommandLine => "Command line",
            Scope::Form => "Form fields",
            Scope::Dialog => "Dialogs (reset offsets, topic administration, redrive)",
        }
    }

    /// The scopes a key is looked up in, most specific first.
    pub fn chain(self) -> &'static [Scope] {
        match self {
            Scope::Global => &[Scope::Global],
            Scope::List => &[Scope::List, Scope::Global],
            Scope::Overview => &[Scope::Overview, Scope::List, Scope::Global],
            Scope::Topics => &[Scope::Topics, Scope::List, Scope::Global],
            Scope::TopicDetail => &[Scope::TopicDetail, Scope::List, Scope::Global],
            Scope::Groups => &[Scope::Groups, Scope::List, Scope::Global],
            Scope::GroupDetail => &[Scope::GroupDetail, Scope::List, Scope::Global],
            Scope::Messages => &[Scope::Messages, Scope::List, Scope::Global],
            Scope::Publish => &[Scope::Publish, Scope::Global],
            Scope::Services => &[Scope::Services, Scope::List, Scope::Global],
            Scope::Timeline => &[Scope::Timeline, Scope::List, Scope::Global],
            Scope::Help => &[Scope::Help],
            Scope::Input => &[Scope::Input],
            Scope::CommandLine => &[Scope::CommandLine, Scope::Input],
            Scope::Form => &[Scope::Form, Scope::Input],
            Scope::Dialog => &[Scope::Dialog],
        }
    }

    /// The scopes keys are looked up from: a key may mean one thing in each.
    pub(crate) const LEAVES: [Scope; 13] = [
        Scope::Overview,
        Scope::Topics,
        Scope::TopicDetail,
        Scope::Groups,
        Scope::GroupDetail,
        Scope::Messages,
        Scope::Publish,
        Scope::Services,
        Scope::Timeline,
        Scope::Help,
        Scope::CommandLine,
        Scope::Form,
        Scope::Dialog,
    ];

    /// Scopes where plain characters are typed, so cannot be bound.
    pub(crate) fn is_text(self) -> bool {
        matches!(
            self,
            Scope::Input | Scope::CommandLine | Scope::Form | Scope::Dialog
        )
    }
}

/// One row of the table.
#[derive(Debug)]
pub struct Entry {
    pub action: Action,
    pub name: &'static str,
    pub description: &'static str,
    /// The status bar's one-word hint ("" when never hinted).
    pub hint: &'static str,
    /// Default keys per scope, in the syntax of `[keys]`.
    pub keys: &'static [(Scope, &'static [&'static str])],
}

/// Declares [`Action`] and [`TABLE`] from the same rows, so they cannot drift.
macro_rules! actions {
    ($( $variant:ident $name:literal $hint:literal $desc:literal
        [ $( $scope:ident : $($key:literal)+ ),+ ] )+) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action {
            $( $variant, )+
        }

        /// Every action, in the order the help lists them within a scope.
        pub const TABLE: &[Entry] = &[
            $( Entry {
                action: Action::$variant,
                name: $name,
                description: $desc,
                hint: $hint,
                keys: &[ $( (Scope::$scope, &[ $($key),+ ]) ),+ ],
            }, )+
        ];
    };
}

actions! {
    // variant      name            hint          description                                   scope: default keys
    Quit            "quit"          "quit"        "quit (ctrl-c always quits)"                  [Global: "q"]
    Back            "back"          "back"        "back / clear filter"                         [Global: "esc"]
    // `?` is the help everywhere but in Messages, where it searches (vim's `?`);
    // f1 is the help in every view.
    Help            "help"          "help"        "this help"
        [Global: "f1", Overview: "?", Topics: "?", TopicDetail: "?", Groups: "?", GroupDetail: "?",
         Publish: "?", Services: "?", Timeline: "?"]
    CommandLine     "command"       "command"     "command line (:topics, :group NAME, ...)"    [Global: ":"]
    NextView        "next-view"     "views"       "next view"                                   [Global: "tab"]
    PrevView        "prev-view"     ""            "previous view"                               [Global: "shift-tab"]
    ShowOverview    "view-overview" ""            "overview (the start screen)"                 [Global: "0"]
    ShowTopics      "view-topics"   ""            "topics"                                      [Global: "1"]
    ShowGroups      "view-groups"   ""            "consumer groups"                             [Global: "2"]
    ShowMessages    "view-messages" ""            "messages (live tail)"                        [Global: "3"]
    ShowPublish     "view-publish"  ""            "publisher panel"                             [Global: "4"]
    ShowServices    "view-services" ""            "embedded services"                           [Global: "5"]
    ShowTimeline    "view-timeline" ""            "timeline: what changed in the cluster"       [Global: "6"]
    Refresh         "refresh"       ""            "refresh now"                                 [Global: "ctrl-r"]
    Faster          "faster"        ""            "refresh more often (shorter interval)"       [Global: "+"]
    Slower          "slower"        ""            "refresh less often (longer interval)"        [Global: "-"]
    IncidentSnapshot "snapshot"     "snapshot"    "write an incident snapshot (Markdown and JSON) to the data dir" [Global: "W"]
    // Lists and tables (and the publisher's fields, and the help's lines).
    Up              "up"            ""            "up"
        [List: "k" "up", Publish: "k" "up", Help: "k" "up"]
    Down            "down"          ""            "down"
        [List: "j" "down", Publish: "j" "down", Help: "j" "down"]
    PageUp          "page-up"       ""            "page up"
        [List: "pgup" "ctrl-b" "ctrl-u", Help: "pgup"]
    PageDown        "page-down"     ""            "page down"
        [List: "pgdn" "ctrl-f" "ctrl-d", Help: "pgdn" "space"]
    Top             "top"           ""            "first row"
        [List: "g" "home", Publish: "g" "home", Help: "g" "home"]
    Bottom          "bottom"        ""            "last row"
        [List: "G" "end", Publish: "G" "end"]
    Open            "open"          "open"        "open the selected row"       [List: "enter"]
    Filter          "filter"        "filter"      "filter"                      [List: "/"]
    // Overview.
    NextPane        "next-pane"     "pane"        "overview: next pane (groups, topics, events, records)" [Overview: "l" "right"]
    PrevPane        "prev-pane"     ""            "overview: previous pane"     [Overview: "h" "left"]
    // Topics and topic detail.
    TailTopic       "tail-topic"    "messages"    "tail the selected topic"     [Topics: "m", TopicDetail: "m"]
    CreateTopic     "create-topic"  ""            "create a topic (dialog: preview, confirm)" [Topics: "C"]
    DeleteTopic     "delete-topic"  ""            "delete the topic (dialog: confirm with its name)"
        [Topics: "D", TopicDetail: "D"]
    AddPartitions   "add-partitions" ""           "add partitions to the topic (dialog: preview, confirm)"
        [Topics: "P", TopicDetail: "P"]
    EditConfig      "edit-config"   ""            "set / delete configs of the topic (dialog: preview, confirm)"
        [Topics: "E", TopicDetail: "E"]
    // Group detail.
    ResetOffsets    "reset-offsets" ""            "reset the group's offsets (dialog: preview, confirm)" [GroupDetail: "R"]
    OpenCommitted   "open-committed" "record"     "the record at the committed offset of the selected partition (a stuck one first) in Messages"
        [GroupDetail: "v"]
    // Messages.
    Pause           "pause"         "pause"       "pause / resume"              [Messages: "p" "space"]
    FromBeginning   "from-beginning" "from start" "restart from the beginning"  [Messages: "b"]
    FromEnd         "from-end"      ""            "restart at the end (new records only)" [Messages: "e"]
    FromOffset      "from-offset"   ""            "restart at an offset"        [Messages: "o"]
    FromTime        "from-time"     ""            "restart at a time (10m, 2026-11-24T10:00:00Z)" [Messages: "t"]
    Search          "search"        "search"      "search the topic with a jq filter (records since a time, then live; empty: back to the tail)"
        [Messages: "?"]
    ToggleDetail    "toggle-detail" ""            "show / hide the detail pane" [Messages: "d"]
    ToggleRaw       "toggle-raw"    "raw"         "the detail pane shows a decoded record's raw bytes (hex) / its decoded value" [Messages: "x"]
    DetailDown      "detail-down"   ""            "scroll the detail pane down" [Messages: "J"]
    DetailUp        "detail-up"     ""            "scroll the detail pane up"   [Messages: "K"]
    Clear           "clear"         ""            "clear the records shown"     [Messages: "c"]
    Copy            "copy"          "copy"        "copy the record's value / the group's partitions to the clipboard (OSC 52)"
        [Messages: "y", GroupDetail: "y"]
    RedriveDlq      "redrive"       ""            "redrive this .dlq topic's records (dialog: preview, confirm)"
        [Messages: "R"]
    // Publisher panel.
    Edit            "edit"          "edit"        "edit the field (choices: next option)" [Publish: "enter" "i"]
    Send            "send"          "send"        "send (nothing is sent while a field is invalid)"
        [Publish: "s" "ctrl-s"]
    NextForm        "next-form"     "form"        "next form"                   [Publish: "]" "l" "right"]
    PrevForm        "prev-form"     ""            "previous form"               [Publish: "[" "h" "left"]
    ResetForm       "reset-form"    ""            "reset the form to its defaults" [Publish: "r"]
    CancelBulk      "cancel-bulk"   ""            "cancel the running bulk test" [Publish: "x"]
    // Services.
    ToggleServices  "toggle-services" "start/stop"
        "start / stop the four reference consumers in this process"           [Services: "S"]
    // Timeline.
    WarningsOnly    "warnings-only" "warn+"       "timeline: only warnings and critical events (toggle)" [Timeline: "s"]
    // The help overlay.
    CloseHelp       "close-help"    ""            "close the help"              [Help: "esc" "enter" "q" "?"]
    // Text input: the command line, filters, prompts and form fields. Their
    // keys cannot be plain characters, which are typed.
    Accept          "accept"        ""            "accept"                      [Input: "enter"]
    Cancel          "cancel"        ""            "cancel (filter: clear)"      [Input: "esc", Dialog: "esc"]
    Complete        "complete"      ""            "complete the command line"   [CommandLine: "tab"]
    NextField       "next-field"    ""            "next field (form)"
        [Form: "tab" "down", Dialog: "tab" "down"]
    PrevField       "prev-field"    ""            "previous field (form)"
        [Form: "shift-tab" "up", Dialog: "shift-tab" "up"]
    SendFromField   "send-from-field" ""          "send the form while editing a field" [Form: "ctrl-s"]
    // Operation dialogs: accept the fields (preview), then, with the name typed,
    // carry the change out.
    Confirm         "confirm"       ""            "dialog: preview the plan; with the name typed, carry it out"
        [Dialog: "enter"]
}

impl Action {
    fn entry(self) -> &'static Entry {
        // The table is declared in variant order.
        &TABLE[self as usize]
    }

    /// Every action, in table order.
    pub fn all() -> impl Iterator<Item = Action> {
        TABLE.iter().map(|e| e.action)
    }

    /// The name used in config.toml's `[keys]` table.
    pub fn name(self) -> &'static str {
        self.entry().name
    }

    /// What the help says it does.
    pub fn description(self) -> &'static str {
        self.entry().description
    }

    /// The status bar's one-word hint ("" when never hinted).
    pub fn hint(self) -> &'static str {
        self.entry().hint
    }

    /// Default keys per scope.
    pub fn default_keys(self) -> &'static [(Scope, &'static [&'static str])] {
        self.entry().keys
    }

    /// True for the actions that change the cluster, which read-only mode refuses
    /// (and the help marks as disabled).
    pub fn changes_the_cluster(self) -> bool {
        matches!(
            self,
            Action::Send | Action::SendFromField | Action::ToggleServices | Action::Confirm
        )
    }

    pub fn from_name(name: &str) -> Option<Action> {
        TABLE.iter().find(|e| e.name == name).map(|e| e.action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_variant_order() {
        for (i, e) in TABLE.iter().enumerate() {
            assert_eq!(e.action as usize, i, "{}", e.name);
        }
    }

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut names: Vec<&str> = Action::all().map(|a| a.name()).collect();
        for a in Action::all() {
            assert_eq!(Action::from_name(a.name()), Some(a));
            assert!(!a.description().is_empty());
            assert!(!a.default_keys().is_empty());
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TABLE.len());
    }

    #[test]
    fn the_example_config_lists_every_action() {
        let example = include_str!("../../config.example.toml");
        let listed: Vec<&str> = example
            .lines()
            .filter(|l| l.starts_with("#  "))
            .flat_map(|l| l.split([' ', ':']))
            .collect();
        for a in Action::all() {
            assert!(
                listed.contains(&a.name()),
                "config.example.toml does not list `{}`",
                a.name()
            );
        }
    }
}
