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
   with focus, and the arrow keys, Home and End move between tabs (the ARIA tabs pattern). */
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
      list.setAttribute("role", "tablist");
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
                                                        attributeFilter: ["tabindex", "disabled", "class"]});
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
    next.click();
    next.focus();
  }, true);

  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
