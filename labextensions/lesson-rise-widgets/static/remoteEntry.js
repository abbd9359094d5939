/*
 * lesson-rise-widgets: lets ipywidgets draw inside jupyterlab-rise slides.
 *
 * Why: the slides are a separate page (/rise/...) built with fewer JupyterLab packages than
 * JupyterLab itself, and @jupyterlab/console is not among them. The widget manager
 * (@jupyter-widgets/jupyterlab-manager 5.x, ipywidgets 8) asks for that package only to draw
 * widgets in consoles, yet fails to load without it, so a slide shows a widget's text form
 * ("VBox(children=...") instead of the widget. Upstream: jupyterlab-contrib/rise issue 119.
 *
 * What: a JupyterLab federated extension with no plugins. When the page starts its extensions,
 * it hands each one the shared-module table; if @jupyterlab/console is missing from that table,
 * this one adds a stand-in that exports only the console-tracker token. No plugin provides that
 * token, so the widget manager receives null for it (it is optional) and draws widgets in
 * notebooks as usual. In JupyterLab itself the real package is present and nothing is changed.
 */
(function () {
  "use strict";
  const NAME = "lesson-rise-widgets";
  const CONSOLE = "@jupyterlab/console";
  const CONSOLE_VERSION = "4.6.6";          // satisfies the widget manager's "^4.6.2"

  // Of the copies of a shared package, the one the page already uses, else the newest
  // (numbers compared as numbers: 2.10.2 is newer than 2.9.0).
  function chooseCopy(entries) {
    const versions = Object.keys(entries);
    const loaded = versions.find(v => entries[v].loaded);
    if (loaded) {
      return entries[loaded];
    }
    const parts = v => v.split(/[.+-]/).slice(0, 3).map(x => parseInt(x, 10) || 0);
    const older = (a, b) => {
      const [x, y] = [parts(a), parts(b)];
      return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
    };
    return entries[versions.sort(older)[versions.length - 1]];
  }

  window._JUPYTERLAB = window._JUPYTERLAB || {};
  window._JUPYTERLAB[NAME] = {
    init(shared) {
      if (shared[CONSOLE]) {
        return;
      }
      shared[CONSOLE] = {
        [CONSOLE_VERSION]: {
          from: NAME,
          eager: false,
          async get() {
            const coreutils = (await chooseCopy(shared["@lumino/coreutils"]).get())();
            const IConsoleTracker = new coreutils.Token("@jupyterlab/console:IConsoleTracker");
            return () => ({ IConsoleTracker });
          }
        }
      };
    },
    get(module) {
      return Promise.reject(new Error(`${NAME} has no module ${module}`));
    }
  };
})();
