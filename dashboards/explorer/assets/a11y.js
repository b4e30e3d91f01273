/* Keyboard and screen-reader fixes to Dash 4.4's components, applied to the page as Dash draws it (served by Dash
   from the assets folder, no network).

   dcc.Dropdown puts a hidden, aria-hidden <input> in the tab order that hands focus on to the dropdown's button
   (which is out of the tab order): a focusable element inside aria-hidden (axe: aria-hidden-focus, WCAG 4.1.2).
   Here the button itself, which has the label's name and opens the list with Enter, Space or the arrow keys,
   takes the tab stop, and the hidden input leaves the tab order. Dash sets the input's tabindex back when the
   button loses focus, so the fix is kept by watching for that.

   dash_table.DataTable's page buttons (first, previous, next, last) are drawn as icons with no text: a button
   with no name (axe: button-name, WCAG 4.1.2). Each gets its name here.

   dash_table.DataTable takes the Tab key for moving between cells, so a keyboard user who tabs into a table
   cannot tab out of it (a keyboard trap, WCAG 2.1.2). The explorer's tables are read only: Tab and Shift+Tab
   leave a table as they leave anything else (the arrow keys still move between cells).

   dcc.Tabs draws its tabs as plain <div>s that only a mouse can open (WCAG 2.1.1, 4.1.2). They become a tab
   list here: each tab a role=tab with aria-selected, the open one in the tab order, Enter or Space opens the tab
   with focus, and the arrow keys, Home and End move between tabs (the ARIA tabs pattern).

   An open dcc.Dropdown's list is a role=listbox with no name, and each of its role=option labels holds a radio
   button, which is what the arrow keys focus and Enter chooses: an interactive control inside an option
   (WCAG 4.1.2: aria-input-field-name, nested-interactive). What it really is, is a group of radio buttons, each
   named by its label and checked when chosen, and so it is presented here: the list becomes a radiogroup named
   by the dropdown's label (its search box too), and the labels lose the option role. Choose a value in a test
   with get_by_role("radio", name=...).

   dcc.Upload draws a <div> a mouse clicks and a hidden file input with no name (axe: label). The div takes a tab
   stop and Enter or Space on it opens the file chooser; the input gets a name. (The div is not given the button
   role: a file input inside a button is nested-interactive.) */
(function () {
  let queued = false;
  const PAGE_BUTTONS = {"first-page": "First page", "previous-page": "Previous page", "next-page": "Next page",
                        "last-page": "Last page"};

  function fix() {
    queued = false;
    document.querySelectorAll(".dash-dropdown-focus-target").forEach(function (input) {
      if (input.tabIndex !== -1) input.tabIndex = -1;
      const button = input.nextElementSibling;
      if (button && button.tagName === "BUTTON" && !button.disabled && button.tabIndex !== 0) button.tabIndex = 0;
    });
    document.querySelectorAll(".tab-container").forEach(function (list) {
      if (list.getAttribute("role") !== "tablist") list.setAttribute("role", "tablist");  // (a change calls fix)
      const panels = document.querySelectorAll(".sections > [role=tabpanel]");  // in the tabs' order
      list.querySelectorAll(".tab").forEach(function (tab, i) {
        const selected = tab.classList.contains("tab--selected");
        if (tab.getAttribute("role") !== "tab") tab.setAttribute("role", "tab");
        if (tab.getAttribute("aria-selected") !== String(selected)) tab.setAttribute("aria-selected", String(selected));
        if (tab.tabIndex !== (selected ? 0 : -1)) tab.tabIndex = selected ? 0 : -1;
        const panel = panels[i];
        if (panel && panel.id) {
          if (!tab.id) tab.id = "tab-" + panel.id.replace(/^section-/, "");
          if (tab.getAttribute("aria-controls") !== panel.id) tab.setAttribute("aria-controls", panel.id);
        }
      });
    });
    document.querySelectorAll(".dash-dropdown-content").forEach(function (content) {
      const trigger = content.id ? document.querySelector('button[aria-controls="' + content.id + '"]') : null;
      const label = trigger && trigger.labels && trigger.labels.length ? trigger.labels[0].textContent.trim() : "";
      const list = content.querySelector(".dash-options-list");
      if (list) {
        if (list.getAttribute("role") !== "radiogroup") list.setAttribute("role", "radiogroup");
        if (label && list.getAttribute("aria-label") !== label) list.setAttribute("aria-label", label);
      }
      const search = content.querySelector("input[type=search]");
      if (search && label && search.getAttribute("aria-label") !== "Search: " + label) {
        search.setAttribute("aria-label", "Search: " + label);
      }
      content.querySelectorAll("label.dash-options-list-option").forEach(function (option) {
        if (option.hasAttribute("role")) option.removeAttribute("role");
        if (option.hasAttribute("aria-selected")) option.removeAttribute("aria-selected");
      });
    });
    document.querySelectorAll(".upload").forEach(function (zone) {
      if (zone.tabIndex !== 0) zone.tabIndex = 0;
      const input = zone.querySelector("input[type=file]");
      if (input && input.getAttribute("aria-label") !== "Choose a CSV file") {
        input.setAttribute("aria-label", "Choose a CSV file");
        input.tabIndex = -1;  // the zone takes the tab stop; Enter or Space on it opens the chooser
      }
    });
    document.querySelectorAll(".previous-next-container button").forEach(function (button) {
      const name = Object.keys(PAGE_BUTTONS).find(function (c) { return button.classList.contains(c); });
      if (name && button.getAttribute("aria-label") !== PAGE_BUTTONS[name]) {
        button.setAttribute("aria-label", PAGE_BUTTONS[name]);
      }
    });
  }

  function queue() {
    if (!queued) {
      queued = true;
      Promise.resolve().then(fix);
    }
  }

  function start() {
    new MutationObserver(queue).observe(document.body, {subtree: true, childList: true, attributes: true,
                                                        attributeFilter: ["tabindex", "disabled", "class", "role",
                                                                          "aria-selected"]});
    queue();
  }

  // before Dash's own handlers (capture, on window): Tab in a table is the browser's; keys on a tab open it
  window.addEventListener("keydown", function (e) {
    const target = e.target instanceof Element ? e.target : null;
    if (!target) return;
    if (e.key === "Tab" && !e.ctrlKey && !e.altKey && !e.metaKey && target.closest(".dash-table-container")) {
      e.stopPropagation();
      return;
    }
    if ((e.key === "Enter" || e.key === " ") && target.classList.contains("upload")) {
      e.preventDefault();
      const input = target.querySelector("input[type=file]");
      if (input) input.click();
      return;
    }
    const tab = target.closest(".tab-container .tab");
    if (!tab) return;
    const tabs = Array.from(tab.parentElement.querySelectorAll(".tab"));
    const at = tabs.indexOf(tab);
    let next = null;
    if (e.key === "Enter" || e.key === " ") next = tab;
    else if (e.key === "ArrowRight") next = tabs[(at + 1) % tabs.length];
    else if (e.key === "ArrowLeft") next = tabs[(at - 1 + tabs.length) % tabs.length];
    else if (e.key === "Home") next = tabs[0];
    else if (e.key === "End") next = tabs[tabs.length - 1];
    if (!next) return;
    e.preventDefault();
    const list = tab.parentElement, index = tabs.indexOf(next);
    next.click();
    next.focus();
    // Dash draws the tabs again once the tab changes: focus the chosen one when it has
    setTimeout(function () {
      const now = list.querySelectorAll(".tab")[index];
      if (now && document.activeElement !== now) now.focus();
    }, 50);
  }, true);

  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
