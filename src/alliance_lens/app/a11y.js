// What ipywidgets cannot say by itself, for a screen reader (WCAG 2.1: name, role, value):
// * an outcome button's accessible name names its agreement ("Kept: A12 Deliver the prototype"), from its
//   tooltip, not only "Kept" five times per row;
// * a rating-grid cell's input is named by its cell's tooltip ("Meridian Motors → Kestrel Cells");
// * after an outcome click removes its row, focus goes to the same place in the list (the next agreement's
//   first button), not to the top of the page.
// how long after an outcome click focus is put back in the list when a redraw drops it to the page
const REFOCUS_MS = 60000;

const NAMED = "button.al-mark[title], .al-rating-cell input[title], .al-rating-cell[title] input, " +
  ".al-aria-title[title] input, " +
  ".al-aria-title[title] select";

function nameAll(root) {
  for (const el of root.querySelectorAll(NAMED)) {
    const holder = el.matches("[title]") ? el : el.closest("[title]");
    const name = holder ? holder.getAttribute("title") : "";
    if (name && el.getAttribute("aria-label") !== name) el.setAttribute("aria-label", name);
  }
}

export default {
  render({ model }) {
    let pending = false;
    const update = () => {
      pending = false;
      nameAll(document);
    };
    const observer = new MutationObserver(() => {
      if (!pending) {
        pending = true;
        requestAnimationFrame(update);
      }
    });
    observer.observe(document.body, { subtree: true, childList: true, attributes: true,
      attributeFilter: ["title"] });
    update();

    // the place of the outcome button last clicked, so focus can stay there when its row goes away (the list
    // may be drawn again more than once after a save, and on a busy laptop the save takes seconds: focus is put
    // back each time it falls to the page, until the facilitator clicks elsewhere or a minute has passed)
    let last = null;
    const onClick = (event) => {
      const button = event.target.closest ? event.target.closest("button.al-mark") : null;
      const rows = button ? button.closest(".al-outcome-rows") : null;
      if (!button || !rows) {
        last = null;
        return;
      }
      const row = button.closest(".al-outcome-row");
      last = { rows, index: Array.prototype.indexOf.call(rows.children, row), button, at: Date.now(), fallback: null };
    };
    const refocus = () => {
      if (!last || Date.now() - last.at > REFOCUS_MS) return;
      const active = document.activeElement;
      // focus is somewhere: leave it there, unless it is where this put it while the list was drawn empty
      if (active && active !== document.body && active !== last.fallback) return;
      if (last.button.isConnected) {
        last.button.focus();  // the row is still there
        return;
      }
      const rows = last.rows.isConnected ? last.rows : document.querySelector(".al-outcome-rows");
      if (!rows) return;
      const list = rows.children;
      const row = list[Math.min(last.index, list.length - 1)];
      const next = row ? row.querySelector("button.al-mark") : null;
      if (next) {
        last.fallback = null;
        next.focus();
        return;
      }
      // no row (yet: a list drawn again is first emptied): the form's first field, taken back when rows come
      const form = rows.closest(".al-outcome-form");
      const target = form ? form.querySelector("input, select, button") : null;
      if (target && target !== active) {
        last.fallback = target;
        target.focus();
      }
    };
    const rowsObserver = new MutationObserver(() => requestAnimationFrame(refocus));
    rowsObserver.observe(document.body, { subtree: true, childList: true });
    document.addEventListener("click", onClick, true);
    return () => {
      observer.disconnect();
      rowsObserver.disconnect();
      document.removeEventListener("click", onClick, true);
    };
  },
};
