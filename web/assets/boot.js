// Starts GraphiQL with the settings the server wrote into the page's
// data-config attribute. It is a file of its own because the page's
// Content-Security-Policy allows no inline script.
(function () {
  'use strict';
  var root = document.getElementById('graphiql');
  var cfg = JSON.parse(root.getAttribute('data-config'));
  // GraphiQL's dialogs add a <style> element to stop the page scrolling
  // behind them; its bundle tags that element with this global's value,
  // which the page's policy allows for this response only.
  window.__webpack_nonce__ = root.getAttribute('data-style-nonce');
  var props = {
    fetcher: GraphiQL.createFetcher({ url: cfg.endpoint }),
    storage: GraphiQL.createLocalStorage({ namespace: cfg.storageNamespace }),
  };
  if (cfg.tabs.length > 0) {
    props.defaultTabs = cfg.tabs;
  }
  root.textContent = '';
  ReactDOM.createRoot(root).render(React.createElement(GraphiQL, props));
})();
