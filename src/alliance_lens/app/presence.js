// Tells the kernel whether its page is still there: "here" now and every few seconds while the tab is shown,
// "hidden" when the tab goes to the background, "gone" when the page is closed. A kernel whose page is gone or
// hidden stops polling the workspace (and redrawing on other tabs' saves); the server culls it once its
// websocket has been closed for a while (alliance_lens.facilitator_kernels).
export default {
  render({ model }) {
    // the page's language and title follow the dashboard's (a screen reader speaks Dutch as Dutch; the tab
    // names the alliance)
    const label = () => {
      if (model.get("lang")) document.documentElement.lang = model.get("lang");
      if (model.get("title")) document.title = model.get("title");
    };
    label();
    model.on("change:lang", label);
    model.on("change:title", label);
    const say = (event) => {
      try {
        model.send({ event });
      } catch (e) {
        // the connection is already closing: nothing left to tell
      }
    };
    const shown = () => document.visibilityState !== "hidden";
    say(shown() ? "here" : "hidden");
    const beat = setInterval(() => { if (shown()) say("here"); }, Math.max(1, model.get("interval")) * 1000);
    const onVisibility = () => say(shown() ? "here" : "hidden");
    const onHide = () => say("gone");
    document.addEventListener("visibilitychange", onVisibility);
    window.addEventListener("pagehide", onHide);
    return () => {
      model.off("change:lang", label);
      model.off("change:title", label);
      clearInterval(beat);
      document.removeEventListener("visibilitychange", onVisibility);
      window.removeEventListener("pagehide", onHide);
    };
  },
};
