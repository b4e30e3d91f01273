/* Keyboard and screen-reader fixes to Dash 4.4's components, applied to the page as Dash draws it (served by Dash
   from the assets folder, no network).

   dcc.Dropdown puts a hidden, aria-hidden <input> in the tab order that hands focus on to the dropdown's button
   (which is out of the tab order): a focusable element inside aria-hidden (axe: aria-hidden-focus, WCAG 4.1.2).
   Here the button itself, which has the label's name and opens the list with Enter, Space or the arrow keys,
   takes the tab stop, and the hidden input leaves the tab order. Dash sets the input's tabindex back when the
   button loses focus, so the fix is kept by watching for that.

   dash_table.DataTable's page buttons (first, previous, next, last) are drawn as icons with no text: a button
   with no name (axe: button-name, WCAG 4.1.2). Each gets its name here. */
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
                                                        attributeFilter: ["tabindex", "disabled"]});
    queue();
  }

  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
