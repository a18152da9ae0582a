//! Which screen is shown, and how screens relate (tabs, drill-downs).

use crate::tui::keymap::Scope;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ViewId {
    Topics,
    TopicDetail,
    Groups,
    GroupDetail,
    Messages,
    Publish,
    Services,
}

impl ViewId {
    /// The top-level views, in tab order (number keys 1..).
    pub const TABS: [ViewId; 5] = [
        ViewId::Topics,
        ViewId::Groups,
        ViewId::Messages,
        ViewId::Publish,
        ViewId::Services,
    ];

    pub fn scope(self) -> Scope {
        match self {
            ViewId::Topics => Scope::Topics,
            ViewId::TopicDetail => Scope::TopicDetail,
            ViewId::Groups => Scope::Groups,
            ViewId::GroupDetail => Scope::GroupDetail,
            ViewId::Messages => Scope::Messages,
            ViewId::Publish => Scope::Publish,
            ViewId::Services => Scope::Services,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            ViewId::Topics => "Topics",
            ViewId::TopicDetail => "Topic",
            ViewId::Groups => "Groups",
            ViewId::GroupDetail => "Group",
            ViewId::Messages => "Messages",
            ViewId::Publish => "Publish",
            ViewId::Services => "Services",
        }
    }

    /// The tab a view belongs to (a drill-down belongs to its list).
    pub fn tab(self) -> ViewId {
        match self {
            ViewId::TopicDetail => ViewId::Topics,
            ViewId::GroupDetail => ViewId::Groups,
            other => other,
        }
    }
}
