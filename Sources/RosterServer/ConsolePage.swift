import Mustache

/// What the layout (`header`, `footer`) reads on every console page: the title, who is signed in, the anti-forgery
/// token of the sign-out form, the one-time notice or error, and the navigation's current section.
struct Layout: Sendable {
    var title: String
    /// The signed-in admin's email; without it the navigation is not shown.
    var admin: String?
    var csrf: String?
    var notice: String?
    var error: String?
    /// The current section's flag (`navProviders`, `navUsers`, …), true for the header's `aria-current`.
    var nav: String?
}

/// A console page as its template reads it: the layout's names, then the names of the page's own view model, a
/// struct of the page's values (read by name, as Mustache reads any value). A name the layout leaves unset (no
/// notice) is looked up in the view model.
struct ConsolePage<Content>: MustacheParent {
    var layout: Layout
    var content: Content

    func child(named name: String) -> Any? {
        let fromLayout: Any? =
            switch name {
            case "title": layout.title
            case "admin": layout.admin
            case "csrf": layout.csrf
            case "notice": layout.notice
            case "error": layout.error
            default: name == layout.nav ? true : nil
            }
        return fromLayout ?? Self.value(named: name, in: content)
    }

    /// A stored property of `object` by name, an optional's value or `nil` when it holds none.
    static func value(named name: String, in object: Any) -> Any? {
        if let parent = object as? any MustacheParent { return parent.child(named: name) }
        guard let value = Mirror(reflecting: object).children.first(where: { $0.label == name })?.value else {
            return nil
        }
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .optional else { return value }
        return mirror.children.first?.value
    }
}

/// The `error` page: what went wrong in plain words, and a way back.
struct ErrorPage: Sendable {
    var heading: String
    var message: String
    var back = "/console"
    var backLabel = "Back to the console"
}

/// An `<option>` of a filter or a form.
struct SelectOption: Sendable {
    var value: String
    var label: String
    var selected: Bool

    init(value: String, label: String? = nil, selected: Bool) {
        self.value = value
        self.label = label ?? value
        self.selected = selected
    }
}

/// A page whose template reads only the layout.
struct NoContent: Sendable {}
