/// The id of a dialog's title, which names it: from the title, so that two dialogs on one page
/// (a form and the answer it reveals) have their own.
pub fn title_id(title: &str) -> String {
    format!("dialog-title-{}", title.to_lowercase().replace(' ', "-"))
}
