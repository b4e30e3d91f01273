/* The explorer's filter state, held in the address bar, worked out in the browser (a Dash clientside callback):
   a filter change goes straight to the one request for its views instead of first asking the server what the
   filters now are. `cat` is the catalogue app.py puts in the page (periods, regions, LAs with their region,
   incident types, topics, and the default year and topic): values not in it are ignored, as a typed or stale
   link may hold anything. Served by Dash from the assets folder (no network). */
(function () {
  const FILTERS = ["year", "region", "la", "itype", "topic"];
  const nil = v => (v === undefined || v === "" ? null : v);

  const KEYS = FILTERS.concat(["tab"]);
  const WORDS = {year: "year", region: "region", la: "local authority", itype: "incident type",
                 topic: "characteristic", tab: "tab"};

  function parse(search, cat) {
    const q = new URLSearchParams((search || "").replace(/^\?/, ""));
    const pick = (k, allowed, dflt) => (allowed.includes(q.get(k)) ? q.get(k) : dflt);
    const state = {
      year: pick("year", cat.periods, cat.default_year),
      region: pick("region", cat.regions, null),
      la: pick("la", Object.keys(cat.la_region), null),
      itype: pick("itype", cat.itypes, "Total"),
      topic: pick("topic", cat.topics, cat.default_topic),
      tab: pick("tab", cat.tabs || ["published"], "published"),
    };
    if (state.la) state.region = cat.la_region[state.la];
    // what the link asked for that this release does not hold (an unknown year, a stale LA code): said on the page
    const ignored = KEYS.filter(k => q.get(k) !== null && q.get(k) !== (state[k] || ""));
    return {state: state, ignored: ignored.map(k => WORDS[k] + " \u201c" + q.get(k) + "\u201d")};
  }

  function query(state) {
    const q = new URLSearchParams();
    FILTERS.forEach(f => { if (state[f]) q.append(f, state[f]); });
    if (state.tab && state.tab !== "published") q.append("tab", state.tab);
    return "?" + q.toString();
  }

  // the tab a store serves is in its id: profile-filters, actions-filters
  function tabFilters(tab, year, region, la, itype, topic) {
    const which = window.dash_clientside.callback_context.outputs_list.id.replace(/-filters$/, "");
    if (tab !== which) return window.dash_clientside.no_update;
    return {year: nil(year), region: nil(region), la: nil(la), itype: nil(itype), topic: nil(topic)};
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    explorer: {
      state: function (search, year, region, la, itype, topic, tab, cat) {
        const noUpdate = window.dash_clientside.no_update;
        const trig = window.dash_clientside.callback_context.triggered_id;
        const current = {year: nil(year), region: nil(region), la: nil(la), itype: nil(itype), topic: nil(topic),
                         tab: nil(tab) || "published"};
        let state, note = noUpdate, write;
        if (!trig || trig === "url") {
          const read = parse(search, cat);
          state = read.state;
          // a link holding values the release does not have: the address is corrected and the page says so
          write = read.ignored.length > 0;
          note = write ? "This link asked for " + read.ignored.join(", ") + ", which this release does not hold: "
                         + "the address now shows what is on the page." : "";
        } else {
          state = Object.assign({}, current);
          if (trig === "region" && state.la && cat.la_region[state.la] !== state.region) {
            state.la = null;  // an LA outside the chosen region is dropped
          }
          if (trig === "la" && state.la) state.region = cat.la_region[state.la];  // an LA chooses its region
          write = true;
        }
        // the LA list changes only with the region (or on opening): 150 options are not redrawn otherwise
        const regionChanged = !trig || trig === "url" || trig === "region" || state.region !== current.region;
        const options = regionChanged
          ? cat.las.filter(l => !state.region || l[2] === state.region).map(l => ({label: l[1], value: l[0]}))
          : noUpdate;
        const out = FILTERS.map(f => (state[f] !== current[f] ? state[f] : noUpdate));
        const q = query(state);
        // a person's change writes the address (a new history entry); opening a good link or going back reads
        // it and leaves it as it is, so the back button keeps working
        write = write && q !== (search || "");
        return [...out, options, write ? q : noUpdate, state.tab !== current.tab ? state.tab : noUpdate, note];
      },
      // the open tab's content is shown, the others' hidden (each output is a section-<tab> element's class)
      sections: tab => window.dash_clientside.callback_context.outputs_list.map(
        o => (o.id === "section-" + tab ? "section" : "section closed")),
      // the filters a tab's views are drawn for, passed on only while that tab is open
      tab_filters: tabFilters,
    },
  });
})();
