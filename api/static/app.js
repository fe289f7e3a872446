// passgenau – the case managers' page. Plain JavaScript, no build step, nothing from the internet.
//
// Data are people's records: everything from the API goes into the page through textContent and
// DOM methods, never as HTML. The token lives only in sessionStorage (this tab) and in the
// Authorization header; never in an address.
"use strict";

(function () {
  const TOKEN_KEY = "passgenau.token";
  const K = 10;

  const ACTIONS = [
    ["proposed", "vorgeschlagen"],
    ["rejected", "abgelehnt"],
    ["applied", "beworben"],
    ["hired", "eingestellt"],
  ];
  const ACTION_DE = Object.fromEntries(ACTIONS);

  // Why a suggestion was not taken up (reason_code of a rejection): the API's enumeration
  // (RejectReason), rendered into the page's <template id="reject-reasons"> by the server.
  const REJECT_REASONS = [...document.getElementById("reject-reasons").content.querySelectorAll("option")].map(
    (o) => [o.value, o.textContent],
  );

  const FILTERS_DE = {
    open: "Stelle besetzt oder abgelaufen",
    commute: "Arbeitsweg länger als zumutbar",
    hours: "mehr Wochenstunden als verfügbar",
    shifts: "Schicht-, Nacht- oder Wochenendarbeit nicht möglich",
    licence: "erforderliche Führerscheinklasse fehlt",
    german: "Deutschkenntnisse unter der Anforderung",
    health: "körperliche Belastung über der gesundheitlichen Einschränkung",
  };

  const MODE_DE = { car: "Auto", public: "ÖPNV" };
  const REASON_DE = Object.fromEntries(REJECT_REASONS);

  const ROLE_DE = {
    case_manager: "Fallmanagement",
    team_lead: "Teamleitung",
    admin: "Administration",
    batch: "Datenimport",
  };

  const SHIFTS_DE = {
    day: "Tagarbeit, keine Schichten",
    two_shift: "Zweischichtbetrieb",
    three_shift: "Dreischichtbetrieb",
    night: "Nachtarbeit",
    weekend: "Wochenendarbeit",
  };
  const SKILL_DE = { 1: "Helfertätigkeit", 2: "Fachkraft (Berufsausbildung)", 3: "Spezialist/in (Meister, Techniker)", 4: "Expert/in (Studium)" };
  const LOAD_DE = { 1: "körperlich leicht", 2: "körperlich mittelschwer", 3: "körperlich schwer" };
  const SIZE_DE = { "1-9": "1–9 Beschäftigte", "10-49": "10–49 Beschäftigte", "50-249": "50–249 Beschäftigte", "250+": "250 und mehr Beschäftigte" };

  const num = (x, digits) =>
    Number(x).toLocaleString("de-DE", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const pct = (p) => `${num(Math.round(Number(p) * 100), 0)} %`;
  const money = (x) => `${num(x, 2)} €`;
  const hours = (h) => num(h, Number(h) % 1 ? 1 : 0);

  /** An ISO date or timestamp as "01.12.2026" (the local day). */
  function dateDe(iso) {
    if (!iso) return "";
    const d = /^\d{4}-\d{2}-\d{2}$/.test(iso) ? new Date(`${iso}T12:00:00`) : new Date(iso);
    return d.toLocaleDateString("de-DE", { day: "2-digit", month: "2-digit", year: "numeric" });
  }

  // -- DOM helpers ------------------------------------------------------------------------------
  const $ = (id) => document.getElementById(id);

  /** An element with attributes and children (strings become text nodes). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = String(value);
      else if (key === "class") node.className = value;
      else if (key === "testid") node.dataset.testid = value;
      else if (value === true) node.setAttribute(key, "");
      else node.setAttribute(key, String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function show(sectionId) {
    for (const id of ["signin", "search", "caseload", "claimant", "vacancy", "candidates-page", "proposal"]) {
      $(id).hidden = id !== sectionId;
    }
  }

  function notice(text) {
    const p = $("notice");
    p.textContent = text || "";
    p.hidden = !text;
  }

  // -- API --------------------------------------------------------------------------------------
  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  // The fields the page sends, as the form labels them.
  const FIELD_DE = {
    action: "Aktion",
    confirmed_by: "Bestätigt durch",
    reason_code: "Ablehnungsgrund",
    q: "Suchbegriff",
    limit: "Anzahl",
    k: "Anzahl",
    claimant_id: "Kundennummer",
    vacancy_id: "Stellennummer",
    suggestion_id: "Vorschlagsnummer",
    contract: "Vertrag",
    temp_agency: "Zeitarbeit",
    hours_min: "Wochenstunden von",
    hours_max: "Wochenstunden bis",
    max_commute: "Arbeitsweg höchstens",
    kldb: "KldB-Code",
    index: "Wunschberuf",
  };

  // The server's rule messages (matcher.usecases.proposals) and pydantic's error types, in German.
  const MESSAGE_DE = {
    "nothing is proposed to a claimant without a named case manager's confirmation":
      "ohne namentliche Bestätigung durch eine Fachkraft wird nichts vorgeschlagen",
    "a rejection needs a reason code": "eine Ablehnung braucht einen Grund",
    "must be you or an active case manager or team lead of your Jobcenter":
      "muss Ihr Name oder der einer Fachkraft oder Teamleitung Ihres Jobcenters sein",
    "must not be above hours_max": "darf nicht über „Wochenstunden bis“ liegen",
  };
  const TYPE_DE = {
    missing: "fehlt",
    string_too_short: "darf nicht leer sein",
    string_too_long: "ist zu lang",
    string_pattern_mismatch: "enthält unzulässige Zeichen",
    literal_error: "ist kein zulässiger Wert",
    extra_forbidden: "ist nicht vorgesehen",
    greater_than_equal: "ist zu klein",
    less_than_equal: "ist zu groß",
    int_parsing: "muss eine ganze Zahl sein",
    float_parsing: "muss eine Zahl sein",
    bool_parsing: "ist kein zulässiger Wert",
    json_invalid: "die Anfrage ist kein gültiges JSON",
  };

  /** The server's 422 reasons as German lines naming the field: "„Bestätigt durch“: …". */
  function detailText(body, status) {
    const d = body && body.detail;
    if (Array.isArray(d)) {
      return d
        .map((e) => {
          const loc = (e.loc || []).filter((p) => !["body", "query", "path"].includes(p));
          const field = loc.length ? String(loc[loc.length - 1]) : "";
          const what = MESSAGE_DE[e.msg] || TYPE_DE[e.type] || "ist ungültig";
          return field ? `„${FIELD_DE[field] || field}“: ${what}` : what;
        })
        .join("; ");
    }
    return `Fehler ${status}`;
  }

  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  async function api(path, options = {}, bearer = token()) {
    const headers = { Accept: "application/json", Authorization: `Bearer ${bearer || ""}` };
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(path, {
      method: options.method || "GET",
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      cache: "no-store",
      credentials: "omit",
    });
    let body = null;
    try {
      body = await response.json();
    } catch (_) {
      body = null;
    }
    if (!response.ok) throw new ApiError(response.status, detailText(body, response.status));
    return body;
  }

  const INVALID_TOKEN = "Token ungültig oder widerrufen";

  /** A failed call as German text for the page; a 401 ends the session. */
  function failure(err) {
    if (err instanceof ApiError) {
      if (err.status === 401) {
        signOut(INVALID_TOKEN);
        return INVALID_TOKEN;
      }
      if (err.status === 403) return "Keine Berechtigung: Ihre Rolle darf das nicht.";
      if (err.status === 404) return "Nicht gefunden (oder nicht in Ihrem Jobcenter).";
      if (err.status === 409) return "Diese Nummer ist bereits vergeben.";
      if (err.status === 413) return "Die Anfrage ist zu groß.";
      if (err.status === 422) return `Eingabe nicht gültig: ${err.message}`;
      if (err.status === 503) return "Der Dienst ist gerade nicht verfügbar (Datenbank, Modell oder Index). Bitte später erneut versuchen.";
      return `Fehler ${err.status} auf dem Server. Bitte später erneut versuchen.`;
    }
    return "Keine Verbindung zum Server.";
  }

  // -- sign-in ----------------------------------------------------------------------------------
  function showWho(me) {
    $("whoami").textContent = `${me.name} · ${ROLE_DE[me.role] || me.role} · Jobcenter ${me.jobcenter}`;
    currentUser = me;
    // Only case managers and team leads have a caseload.
    document.querySelector('[data-testid="caseload-link"]').hidden = !["case_manager", "team_lead"].includes(me.role);
    $("who").hidden = false;
  }

  let currentUser = null;

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    currentUser = null;
    $("who").hidden = true;
    $("whoami").textContent = "";
    lastSearch = null;
    $("search-results").hidden = true;
    $("search-results").tBodies[0].replaceChildren();
    $("search-prev").hidden = $("search-next").hidden = true;
    $("signin-error").textContent = message || "";
    notice("");
    show("signin");
    $("token").focus();
  }

  async function signIn(event) {
    event.preventDefault();
    const input = $("token");
    const value = input.value.trim();
    input.value = "";
    $("signin-error").textContent = "";
    if (!value) {
      $("signin-error").textContent = "Bitte ein Token eingeben.";
      return;
    }
    try {
      const me = await api("/me", {}, value);
      sessionStorage.setItem(TOKEN_KEY, value);
      showWho(me);
      route();
    } catch (err) {
      $("signin-error").textContent =
        err instanceof ApiError && err.status === 401 ? INVALID_TOKEN : failure(err);
    }
  }

  // -- navigation -------------------------------------------------------------------------------
  function go(path) {
    if (location.pathname + location.search !== path) history.pushState(null, "", path);
    route();
    $("main").focus();
  }

  function onClick(event) {
    const link = event.target.closest("a[data-nav]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    go(link.getAttribute("href"));
  }

  function route() {
    notice("");
    if (!token()) {
      show("signin");
      return;
    }
    const path = location.pathname;
    let m;
    const kunde = new URLSearchParams(location.search).get("kunde");
    if (path === "/meine-kunden") return openCaseload();
    if ((m = path.match(/^\/kunden\/([^/]+)$/))) return openClaimant(decodeURIComponent(m[1]));
    if ((m = path.match(/^\/kunden\/([^/]+)\/vorschlag\/([^/]+)$/))) {
      return openProposal(decodeURIComponent(m[1]), decodeURIComponent(m[2]));
    }
    if ((m = path.match(/^\/stellen\/([^/]+)$/))) return openVacancy(decodeURIComponent(m[1]), kunde);
    if ((m = path.match(/^\/stellen\/([^/]+)\/kandidaten$/))) return openCandidates(decodeURIComponent(m[1]), kunde);
    show("search");
    $("q").focus();
  }

  // -- search -----------------------------------------------------------------------------------
  let lastSearch = null;
  const SHOWN = 50; // one page of the search

  async function search(event, offset = 0) {
    if (event) event.preventDefault();
    const q = $("q").value.trim();
    const status = $("search-status");
    status.textContent = "Suche …";
    try {
      // Current cases come first, then by id (the server pages in that order).
      const body = await api(`/claimants?${new URLSearchParams({ q, limit: String(SHOWN), offset: String(offset) })}`);
      lastSearch = body.claimants;
      renderSearch(lastSearch);
      const from = body.total === 0 ? 0 : body.offset + 1;
      const to = body.offset + body.claimants.length;
      status.textContent =
        body.total === 0
          ? "Keine Kundin und kein Kunde gefunden."
          : `${body.total.toLocaleString("de-DE")} gefunden` +
            (body.total > SHOWN ? `, angezeigt ${from}–${to} (laufende Fälle zuerst).` : ".");
      const prev = $("search-prev"), next = $("search-next");
      prev.hidden = body.offset === 0;
      next.hidden = to >= body.total;
      prev.onclick = () => search(null, Math.max(0, body.offset - SHOWN));
      next.onclick = () => search(null, to);
    } catch (err) {
      status.textContent = failure(err);
    }
  }

  function renderSearch(claimants) {
    const rows = claimants.map((c) =>
      el(
        "tr",
        { testid: "search-row", "data-id": c.id },
        el("td", {}, el("a", { href: `/kunden/${encodeURIComponent(c.id)}`, "data-nav": true, testid: "claimant-link", text: c.id })),
        el("td", { text: `${c.postcode || ""} ${c.municipality || ""}`.trim() }),
        el("td", { text: (c.desired_occupations || []).join(", ") }),
        el("td", { text: [c.team, c.case_manager].filter(Boolean).join(" / ") }),
        el("td", { text: c.active === false ? "inaktiv" : "aktiv" }),
      ),
    );
    $("search-results").tBodies[0].replaceChildren(...rows);
    $("search-results").hidden = rows.length === 0;
  }

  // -- one list (suggestions for a claimant, candidates for a vacancy) ------------------------
  function listMeta(body, noun) {
    const excluded = Object.entries(body.excluded || {})
      .filter(([, n]) => n > 0)
      .map(([f, n]) => `${FILTERS_DE[f] || f}: ${num(n, 0)}`);
    return [
      `Modell ${body.model_version || "–"}`,
      `Index ${body.index_version || "–"}`,
      `Einbettung ${body.embedder_id || "–"}`,
      `${num(body.eligible, 0)} von ${num(body.considered, 0)} ${noun} erfüllen alle Bedingungen`,
      excluded.length ? `ausgeschlossen: ${excluded.join(", ")}` : null,
      `Protokoll-Nr. ${body.audit_id}`,
    ]
      .filter(Boolean)
      .join(" · ");
  }

  function fact(label, ...value) {
    return el("div", {}, el("dt", { text: label }), el("dd", {}, ...value));
  }

  function wideFact(label, ...value) {
    const node = fact(label, ...value);
    node.className = "wide";
    return node;
  }

  function householdText(h) {
    if (!h || typeof h !== "object" || Object.keys(h).length === 0) return ["keine Angabe"];
    const parts = [h.text_de || ""];
    if (h.ends_need === true) {
      parts.push(" ", el("strong", { class: "badge good", text: "Bedarfsgemeinschaft verlässt den Leistungsbezug" }));
    }
    return parts;
  }

  let formCounter = 0;

  /** The card's line saying what was done with it, or null. */
  function handledLine(a) {
    return el("p", { class: "handled", testid: "handled", text: actionText(a) });
  }

  function feedbackForm(item, onSaved) {
    const n = ++formCounter;
    // Each card's controls are named after its vacancy (or candidate), not ten identical "Aktion"s.
    const about = item.title && item.vacancy_id ? `„${item.title}“ (${item.vacancy_id})` : `Kundennummer ${item.claimant_id}`;
    const action = el(
      "select",
      { id: `fb-action-${n}`, name: "action", testid: "feedback-action" },
      el("option", { value: "", text: "– bitte wählen –" }),
      ACTIONS.map(([value, label]) => el("option", { value, text: label })),
    );
    const confirmed = el("input", {
      id: `fb-confirmed-${n}`,
      name: "confirmed_by",
      maxlength: "128",
      autocomplete: "name",
      testid: "feedback-confirmed-by",
      // The signed-in person is the usual confirming one: pre-filled, and editable.
      value: currentUser ? currentUser.name : null,
    });
    // Each control's own name carries the vacancy too, not only its group's legend.
    const named = (text) => [text, el("span", { class: "visually-hidden", text: ` zu ${about}` })];
    const reason = el(
      "select",
      { id: `fb-reason-${n}`, name: "reason_code", testid: "feedback-reason" },
      el("option", { value: "", text: "– Grund wählen –" }),
      REJECT_REASONS.map(([value, label]) => el("option", { value, text: label })),
    );
    const confirmedBox = el(
      "div",
      { class: "field", hidden: true },
      el("label", { for: confirmed.id }, ...named("Bestätigt durch (Name der Fachkraft)")),
      confirmed,
    );
    const reasonBox = el(
      "div",
      { class: "field", hidden: true },
      el("label", { for: reason.id }, ...named("Ablehnungsgrund")),
      reason,
    );
    const status = el("p", { class: "status", role: "status", testid: "feedback-status" });
    const submit = el("button", { type: "submit", testid: "feedback-submit", text: "Speichern", "aria-label": `Rückmeldung zu ${about} speichern` });
    const form = el(
      "form",
      { class: "feedback", testid: "feedback-form" },
      el(
        "fieldset",
        {},
        el("legend", {}, "Rückmeldung", el("span", { class: "visually-hidden", text: ` zu ${about}` })),
        el("div", { class: "field" }, el("label", { for: action.id }, ...named("Aktion")), action),
        confirmedBox,
        reasonBox,
        submit,
      ),
      status,
    );
    action.addEventListener("change", () => {
      // The signed-in person is the usual confirming one: pre-filled, and editable.
      if (action.value === "proposed" && !confirmed.value && currentUser) confirmed.value = currentUser.name;
      confirmedBox.hidden = action.value !== "proposed";
      reasonBox.hidden = action.value !== "rejected";
      status.textContent = "";
      status.classList.remove("error", "ok");
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      status.classList.remove("error", "ok");
      if (!action.value) {
        status.textContent = "Bitte eine Aktion wählen.";
        status.classList.add("error");
        return;
      }
      // The server checks the rules (a proposal names the confirming person, a rejection has a
      // reason); its answer is shown as it is.
      const body = {
        action: action.value,
        confirmed_by: action.value === "proposed" ? confirmed.value.trim() || null : null,
        reason_code: action.value === "rejected" ? reason.value || null : null,
      };
      submit.disabled = true;
      status.textContent = "Speichere …";
      try {
        const saved = await api(`/suggestions/${encodeURIComponent(item.suggestion_id)}/feedback`, {
          method: "POST",
          body,
        });
        const who = saved.confirmed_by ? `, bestätigt von ${saved.confirmed_by}` : "";
        status.textContent = `Gespeichert: ${ACTION_DE[saved.action] || saved.action}${who}.`;
        status.classList.add("ok");
        if (onSaved) await onSaved(saved);
      } catch (err) {
        status.textContent =
          err instanceof ApiError && err.status === 422 ? `Nicht gespeichert: ${err.message}` : failure(err);
        status.classList.add("error");
      } finally {
        submit.disabled = false;
      }
    });
    return form;
  }

  /** One ranked item; ``kind`` "suggestion" (a vacancy for a claimant) or "candidate". */
  function matchItem(item, kind) {
    const vacancyHref = `/stellen/${encodeURIComponent(item.vacancy_id)}?kunde=${encodeURIComponent(item.claimant_id)}`;
    const heading =
      kind === "suggestion"
        ? el("h2", {}, el("a", { href: vacancyHref, "data-nav": true, testid: "vacancy-link", text: item.title }))
        : el(
            "h2",
            {},
            el("a", {
              href: `/kunden/${encodeURIComponent(item.claimant_id)}`,
              "data-nav": true,
              text: `Kundennummer ${item.claimant_id}`,
            }),
          );
    const where =
      kind === "suggestion"
        ? `${item.employer} · ${item.municipality} · Stelle ${item.vacancy_id}`
        : `${num(item.distance_km, 1)} km entfernt`;
    const mode = MODE_DE[item.commute_mode] || item.commute_mode;
    const r = item.reader || { headline: "–", meaning: "", hire: item.p_match, lasting: item.p_sustain, facts: [], pro: [], contra: [], badge: null };
    const title = kind === "suggestion" ? item.title : `Kundennummer ${item.claimant_id}`;
    const lines = (list, side) =>
      list.length
        ? list.map((x) => el("li", { class: `${side} ${x.source}`, testid: "why-line", "data-group": x.group, "data-source": x.source, text: x.text }))
        : [el("li", { class: "hint", text: "nichts Besonderes" })];
    const mark = el("div", { class: "mark" }, item.handled ? handledLine(item.handled) : null);
    const onSaved = async (saved) => {
      mark.replaceChildren(handledLine(saved));
      card.classList.add("is-handled");
      if (kind === "suggestion") await loadClaimantHistory(item.claimant_id);
    };
    const details = el(
      "details",
      { class: "meta details card-details" },
      el("summary", { text: "Details" }),
      el("p", {
        text: [
          `Vorschlagsnummer ${item.suggestion_id}`,
          `inhaltliche Ähnlichkeit ${num(item.similarity, 3)}`,
          `erwartete dauerhafte Vermittlung je Vorschlag ${num(item.score, 4)}`,
        ].join(" · "),
      }),
      el(
        "ul",
        { class: "exact" },
        (item.drivers || []).map((d) => el("li", { text: `${d.label}: Wert ${num(d.value, 2)} ${d.unit || ""}, Beitrag ${num(d.contribution, 3)} Logit-Punkte` })),
      ),
    );
    const card = el(
      "li",
      {
        class: item.handled ? "match card is-handled" : "match card",
        testid: kind,
        "data-suggestion-id": item.suggestion_id,
        "data-vacancy-id": item.vacancy_id,
        "data-claimant-id": item.claimant_id,
      },
      el(
        "div",
        { class: "match-head" },
        el("span", { class: "rank" }, el("span", { class: "visually-hidden", text: "Rang " }), String(item.rank)),
        el("div", { class: "grow" }, heading, el("p", { class: "where", text: where }), mark),
        el(
          "p",
          { class: "score", testid: `${kind}-score` },
          el("span", { class: "label", text: "dauerhafte Beschäftigung bei" }),
          el("strong", { text: r.headline }),
          el("span", { class: "label", text: "Vorschlägen" }),
        ),
      ),
      el("p", { class: "meaning", testid: "meaning", text: r.meaning }),
      el(
        "dl",
        { class: "facts" },
        fact(
          "Chance auf Einstellung",
          el("meter", { min: "0", max: "1", value: String(r.hire), "aria-label": `Chance auf Einstellung, ${title}` }),
          ` ${pct(r.hire)}`,
        ),
        fact(
          "Chance, dass sie 12 Monate hält",
          el("meter", { min: "0", max: "1", value: String(r.lasting), "aria-label": `Chance, dass sie 12 Monate hält, ${title}` }),
          ` ${pct(r.lasting)}`,
        ),
        fact(
          "Fahrzeit",
          `${num(item.commute_minutes, 0)} von ${num(item.commute_limit, 0)} Min. (${mode}), ${num(item.distance_km, 1)} km`,
        ),
        fact("Stunden pro Woche", hours(item.hours_per_week)),
        wideFact("Haushaltseffekt", ...householdText(item.household)),
      ),
      el(
        "div",
        { class: "why" },
        el("div", {}, el("h3", { text: "Spricht dafür" }), el("ul", { class: "reasons pro", testid: `${kind}-pro` }, lines(r.pro, "pro"))),
        el("div", {}, el("h3", { text: "Spricht dagegen" }), el("ul", { class: "reasons contra", testid: `${kind}-contra` }, lines(r.contra, "contra"))),
        el(
          "div",
          {},
          el("h3", { text: "Zur Stelle" }),
          el("ul", { class: "reasons", testid: `${kind}-reasons` }, r.facts.map((t) => el("li", { text: t }))),
        ),
      ),
      details,
      feedbackForm(item, onSaved),
    );
    return card;
  }

  // -- history (what was done with the suggestions) ---------------------------------------------
  /** One action as a line: "vorgeschlagen am 01.12.2026 von X, bestätigt von Y". */
  function actionText(a) {
    const what = ACTION_DE[a.action] || a.action;
    const why = a.reason_code ? ` (${REASON_DE[a.reason_code] || a.reason_code})` : "";
    const confirmed = a.confirmed_by ? `, bestätigt von ${a.confirmed_by}` : "";
    return `${what}${why} am ${dateDe(a.at)} von ${a.user}${confirmed}`;
  }

  function statusText(a) {
    const what = ACTION_DE[a.action] || a.action;
    return a.reason_code ? `${what}: ${REASON_DE[a.reason_code] || a.reason_code}` : what;
  }

  /** Fill a history section (its table and its "nothing yet" hint); ``subject`` builds the second cell. */
  function renderHistory(section, entries, subject) {
    const table = section.querySelector("table");
    const empty = section.querySelector("p.hint");
    const rows = entries
      .slice()
      .reverse() // newest first
      .map((e) =>
        el(
          "tr",
          { testid: "history-row", "data-vacancy-id": e.vacancy_id, "data-claimant-id": e.claimant_id, "data-action": e.action },
          el("td", { text: dateDe(e.at) }),
          el("td", {}, subject(e)),
          el("td", { text: statusText(e) }),
          el("td", { text: e.user }),
          el("td", { text: e.confirmed_by || "–" }),
        ),
      );
    table.tBodies[0].replaceChildren(...rows);
    table.hidden = rows.length === 0;
    empty.hidden = rows.length !== 0;
  }

  async function loadClaimantHistory(id) {
    const body = await api(`/claimants/${encodeURIComponent(id)}/proposals`);
    renderHistory($("claimant").querySelector(".history"), body.entries, (e) =>
      el("a", {
        href: `/stellen/${encodeURIComponent(e.vacancy_id)}?kunde=${encodeURIComponent(id)}`,
        "data-nav": true,
        text: e.vacancy_title ? `${e.vacancy_title} (${e.vacancy_id})` : `Stelle ${e.vacancy_id}`,
      }),
    );
  }

  // -- my caseload ("Meine Kunden"): the latest nightly list of each of my claimants -------------
  function runText(run) {
    if (!run) return "Noch kein nächtlicher Lauf abgeschlossen: es gibt noch keine Listen.";
    const day = run.day ? dateDe(run.day) : dateDe(run.started);
    return `Nächtliche Liste vom ${day} (Lauf ${run.run_id}, abgeschlossen ${dateDe(run.finished || run.started)}).`;
  }

  function versionsText(body) {
    const one = (run, what) =>
      run ? `${what}: Lauf ${run.run_id}, ${Object.entries(run.versions).map(([k, v]) => `${VERSION_DE[k] || k} ${v}`).join(", ")}` : null;
    return [one(body.latest_run, "Aktuelle Liste"), one(body.previous_run, "verglichen mit")].filter(Boolean).join(" · ");
  }

  const VERSION_DE = { embedder: "Einbettung", index: "Index", model: "Modell" };
  const per100 = (p) => (Number(p) * 100 < 0.5 ? "unter 1 von 100" : `etwa ${num(Math.round(Number(p) * 100), 0)} von 100`);

  function caseloadEntry(cid, e) {
    return el(
      "li",
      { testid: "caseload-entry", "data-vacancy-id": e.vacancy_id, "data-new": e.new ? "true" : "false" },
      el("a", { href: `/stellen/${encodeURIComponent(e.vacancy_id)}?kunde=${encodeURIComponent(cid)}`, "data-nav": true, text: e.title }),
      ` – ${e.employer}, ${e.municipality} · dauerhafte Beschäftigung bei ${per100(e.score)} Vorschlägen`,
      e.new ? [" ", el("span", { class: "badge new", testid: "caseload-new", text: "neu" })] : null,
    );
  }

  function caseloadCard(c, previous) {
    const href = `/kunden/${encodeURIComponent(c.claimant_id)}`;
    const newText = !previous ? null : c.new_count === 1 ? "1 neu seit gestern" : `${num(c.new_count, 0)} neu seit gestern`;
    const open = c.open_proposals.length
      ? el("p", { class: "open", testid: "caseload-open" },
          `Offene Vorschläge (${c.open_proposals.length}): `,
          c.open_proposals.map((o, i) => [
            i ? "; " : "",
            el("a", { href: `/stellen/${encodeURIComponent(o.vacancy_id)}?kunde=${encodeURIComponent(c.claimant_id)}`, "data-nav": true, text: `Stelle ${o.vacancy_id}` }),
            ` ${ACTION_DE[o.action] || o.action} am ${dateDe(o.at)}`,
          ]))
      : el("p", { class: "open hint", text: "Keine offenen Vorschläge." });
    return el(
      "li",
      { class: "card", testid: "caseload-claimant", "data-claimant-id": c.claimant_id },
      el(
        "h2",
        {},
        el("a", { href, "data-nav": true, testid: "caseload-claimant-link", text: `Kundennummer ${c.claimant_id}` }),
        newText && c.new_count > 0 ? el("span", { class: "badge new", testid: "caseload-new-count", text: newText }) : null,
      ),
      el("p", {
        class: "meta",
        text: [
          [c.postcode, c.municipality].filter(Boolean).join(" "),
          c.desired_occupations.length ? `Wunschberufe: ${c.desired_occupations.join(", ")}` : null,
          `Team ${c.team} / ${c.case_manager}`,
        ].filter(Boolean).join(" · "),
      }),
      c.entries.length
        ? el("ol", { class: "nightly", testid: "caseload-entries", "aria-label": `Nächtliche Liste für Kundennummer ${c.claimant_id}` },
            c.entries.map((e) => caseloadEntry(c.claimant_id, e)))
        : el("p", { class: "hint", text: "In der letzten nächtlichen Liste keine passende Stelle." }),
      open,
    );
  }

  // A team lead's case managers (from the unfiltered caseload), for the filter above the list.
  let teamCaseManagers = [];

  function renderCaseloadFilter(lead, body, chosen) {
    const form = $("caseload-filter");
    form.hidden = !lead;
    if (!lead) return;
    if (!chosen) teamCaseManagers = body.case_managers;
    const select = $("caseload-cm");
    select.replaceChildren(
      el("option", { value: "", text: `ganzes Team (${body.teams.join(", ") || "–"})` }),
      ...(chosen && !teamCaseManagers.includes(chosen) ? [...teamCaseManagers, chosen] : teamCaseManagers).map((cm) =>
        el("option", { value: cm, text: cm }),
      ),
    );
    select.value = chosen || "";
  }

  async function openCaseload() {
    show("caseload");
    const lead = currentUser && currentUser.role === "team_lead";
    const chosen = lead ? new URLSearchParams(location.search).get("fallmanager") || "" : "";
    $("caseload-h").textContent = lead ? "Kundinnen und Kunden meines Teams" : "Meine Kunden";
    $("caseload-run").textContent = "";
    $("caseload-versions").textContent = "";
    $("caseload-list").replaceChildren();
    const status = $("caseload-status");
    status.textContent = "Liste wird geladen …";
    try {
      const body = await api(chosen ? `/caseload?${new URLSearchParams({ case_manager: chosen })}` : "/caseload");
      renderCaseloadFilter(lead, body, chosen);
      $("caseload-run").textContent = runText(body.latest_run);
      $("caseload-versions").textContent = versionsText(body);
      $("caseload-list").replaceChildren(...body.claimants.map((c) => caseloadCard(c, body.previous_run)));
      const fresh = body.claimants.reduce((n, c) => n + c.new_count, 0);
      status.textContent =
        body.claimants.length === 0
          ? "Ihnen ist derzeit keine Kundin und kein Kunde zugeordnet."
          : `${num(body.claimants.length, 0)} Kundinnen und Kunden` +
            (!body.latest_run ? "." : body.previous_run ? `, ${num(fresh, 0)} Vorschläge neu seit dem vorigen Lauf.` : ", erster nächtlicher Lauf: alle Vorschläge sind neu.");
    } catch (err) {
      status.textContent = failure(err);
    }
  }

  // -- claimant page ----------------------------------------------------------------------------
  // -- "Warum nicht diese Stelle?" by number or title -------------------------------------------
  function refusalTable(refusals, caption) {
    return el(
      "div",
      { class: "table-wrap" },
      el(
        "table",
        {},
        el("caption", { class: "visually-hidden", text: caption }),
        el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Grund" }), el("th", { scope: "col", text: "Die Stelle verlangt" }), el("th", { scope: "col", text: "Bei der Kundin / dem Kunden" }))),
        el("tbody", {}, refusals.map((r) =>
          el("tr", { testid: "refusal-row", "data-filter": r.filter }, el("td", { text: r.reason }), el("td", { text: r.vacancy_value }), el("td", { text: r.claimant_value })))),
      ),
    );
  }

  function vacancyLink(cid, v) {
    return el("a", { href: `/stellen/${encodeURIComponent(v.vacancy_id)}?kunde=${encodeURIComponent(cid)}`, "data-nav": true, text: `${v.title} (${v.vacancy_id})` });
  }

  async function whyNot(event) {
    event.preventDefault();
    const q = $("whynot-id").value.trim();
    const cid = $("claimant").dataset.claimantId;
    if (!q || !cid) return;
    const box = $("whynot-results");
    const list = box.querySelector("ul");
    list.replaceChildren();
    $("whynot-results-h").textContent = "Suche …";
    box.hidden = false;
    try {
      const body = await api(`/claimants/${encodeURIComponent(cid)}/why-not?${new URLSearchParams({ q })}`);
      // A vacancy number: straight to the vacancy, where the table of reasons stands.
      let byNumber = body.total === 1 && body.vacancies[0].vacancy_id === q;
      if (body.total === 0 && !/\s/.test(q)) {
        // A number of a vacancy no longer open (filled, or out of the index): its page says so.
        byNumber = await api(`/vacancies/${encodeURIComponent(q)}`).then(() => true, () => false);
      }
      if (byNumber) {
        box.hidden = true;
        go(`/stellen/${encodeURIComponent(q)}?kunde=${encodeURIComponent(cid)}`);
        return;
      }
      $("whynot-results-h").textContent =
        body.total === 0
          ? `Keine offene Stelle mit der Nummer oder dem Titel „${q}“ gefunden.`
          : `${num(body.total, 0)} offene Stellen mit „${q}“ im Titel` + (body.total > body.vacancies.length ? `, die ersten ${body.vacancies.length}:` : ":");
      list.replaceChildren(...body.vacancies.map((v) =>
        el(
          "li",
          { testid: "whynot-result", "data-vacancy-id": v.vacancy_id, "data-failed": v.failed.join(" ") },
          vacancyLink(cid, v),
          ` – ${v.employer}, ${v.municipality}`,
          v.refusals.length
            ? refusalTable(v.refusals, `Warum ${v.title} nicht vorgeschlagen wird`)
            : el("p", { class: "hint", testid: "whynot-eligible", text: "Erfüllt alle Bedingungen; steht nur weiter hinten in der Reihenfolge der Vorschläge." }),
        )));
    } catch (err) {
      $("whynot-results-h").textContent = failure(err);
    }
  }

  // -- the excluded counts, each expandable to its vacancies -------------------------------------
  const EXCLUDED_PAGE = 50;

  function renderExcluded(cid, body) {
    const groups = Object.entries(body.excluded || {}).filter(([, n]) => n > 0);
    $("excluded").hidden = groups.length === 0;
    $("excluded-groups").replaceChildren(...groups.map(([f, n]) => excludedGroup(cid, f, n)));
  }

  function excludedGroup(cid, filter, count) {
    const rows = el("tbody");
    const more = el("button", { type: "button", testid: "excluded-more", hidden: true, text: "weitere anzeigen" });
    const status = el("p", { class: "hint", role: "status" });
    const table = el(
      "div",
      { class: "table-wrap" },
      el(
        "table",
        { hidden: true },
        el("caption", { class: "visually-hidden", text: `Ausgeschlossen: ${FILTERS_DE[filter] || filter}` }),
        el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Stelle" }), el("th", { scope: "col", text: "Die Stelle verlangt" }), el("th", { scope: "col", text: "Bei der Kundin / dem Kunden" }), el("th", { scope: "col", text: "verfehlt außerdem" }))),
        rows,
      ),
    );
    const box = el(
      "details",
      { testid: "excluded-group", "data-filter": filter },
      el("summary", { testid: "excluded-summary", text: `${FILTERS_DE[filter] || filter}: ${num(count, 0)} ${count === 1 ? "Stelle" : "Stellen"}` }),
      status,
      table,
      more,
    );
    let loaded = 0;
    async function load() {
      status.textContent = "Wird geladen …";
      try {
        const q = new URLSearchParams({ filter, limit: String(EXCLUDED_PAGE), offset: String(loaded) });
        const page = await api(`/claimants/${encodeURIComponent(cid)}/excluded?${q}`);
        rows.append(...page.vacancies.map((v) => {
          const own = v.refusals.find((r) => r.filter === filter) || { vacancy_value: "–", claimant_value: "–" };
          const others = v.refusals.filter((r) => r.filter !== filter).map((r) => r.reason).join("; ");
          return el(
            "tr",
            { testid: "excluded-row", "data-vacancy-id": v.vacancy_id },
            el("td", {}, vacancyLink(cid, v), el("br"), el("small", { text: `${v.employer}, ${v.municipality}` })),
            el("td", { text: own.vacancy_value }),
            el("td", { text: own.claimant_value }),
            el("td", { text: others || "–" }),
          );
        }));
        loaded += page.vacancies.length;
        table.firstChild.hidden = loaded === 0;
        more.hidden = loaded >= page.total;
        status.textContent = page.total > loaded ? `${num(loaded, 0)} von ${num(page.total, 0)} angezeigt.` : "";
      } catch (err) {
        status.textContent = failure(err);
      }
    }
    box.addEventListener("toggle", () => {
      if (box.open && loaded === 0) load();
    });
    more.addEventListener("click", load);
    return box;
  }

  async function openClaimant(id) {
    show("claimant");
    $("claimant").dataset.claimantId = id;
    $("claimant-h").textContent = `Vorschläge für Kundennummer ${id}`;
    $("claimant-info").textContent = "";
    $("claimant-meta").textContent = "";
    printHead(null);
    $("suggestions").replaceChildren();
    renderHistory($("claimant").querySelector(".history"), [], () => "");
    $("whynot-results").hidden = true;
    $("excluded").hidden = true;
    $("excluded-groups").replaceChildren();
    resetListControls();
    const status = $("claimant-status");
    status.textContent = "Vorschläge werden berechnet …";
    try {
      const claimant = await api(`/claimants/${encodeURIComponent(id)}`);
      $("claimant-info").textContent = claimantInfo(claimant);
      await loadSuggestions(id, K);
      await Promise.all([loadClaimantHistory(id), loadMeasures(id), loadReadings(id)]);
    } catch (err) {
      status.textContent = failure(err);
    }
  }

  // -- Förderempfehlung: which measure would open the most lasting placements ----------------------
  const signed = (x, digits) => `${Number(x) < 0 ? "−" : "+"}${num(Math.abs(Number(x)), digits)}`;
  const months = (m) => `${num(m, Number(m) % 1 ? 1 : 0)} ${Number(m) === 1 ? "Monat" : "Monate"}`;

  function openedItem(o, cid) {
    const terms = [o.permanent ? "unbefristet" : "befristet", o.collective_agreement ? "mit Tarif" : null];
    const where =
      o.rank === null
        ? "nicht unter den ersten 10 Vorschlägen"
        : `Rang ${o.rank} der Vorschläge, erwartete dauerhafte Vermittlung ${num(o.score, 2)}`;
    return el(
      "li",
      { testid: "measure-opened" },
      el("a", {
        href: `/stellen/${encodeURIComponent(o.vacancy_id)}?kunde=${encodeURIComponent(cid)}`,
        "data-nav": true,
        text: `${o.title} (${o.vacancy_id})`,
      }),
      ` – ${o.employer}, ${o.municipality}; ${terms.filter(Boolean).join(", ")}; ${where}`,
      o.reasons.length ? el("span", { class: "hint", text: ` · ${o.reasons.join(" · ")}` }) : null,
    );
  }

  function measureItem(m, k, cid) {
    const figures = el(
      "dl",
      { class: "facts", testid: "measure-figures" },
      fact("Weitere Stellen in Frage", `${num(m.newly_eligible, 0)} Stellen`),
      fact(`Erwartete dauerhafte Vermittlungen (erste ${k} Vorschläge)`,
        `${num(m.expected_before, 2)} → ${num(m.expected_after, 2)} (${signed(m.gain, 2)})`),
      fact("Dauer", `etwa ${months(m.months)}`),
      fact("Gewinn je Monat", `${signed(m.gain_per_month, 3)} je Monat`),
      fact("Förderinstrument", `${m.instrument} (${m.legal_basis})`),
      m.changes.length
        ? fact("Ändert im Profil", m.changes.map((c) => `${c.label}: ${c.before} → ${c.after}`).join("; "))
        : null,
    );
    const opened = el(
      "details",
      { testid: "measure-opened-list" },
      el("summary", { text: `Stellen, die damit in Frage kämen (${num(m.newly_eligible, 0)})` }),
      m.opened.length
        ? el("ul", {}, ...m.opened.map((o) => openedItem(o, cid)))
        : el("p", { class: "hint", text: "Keine neue Stelle; die Vorschläge passten besser." }),
    );
    return el(
      "li",
      { class: "measure", testid: `measure-${m.key}` },
      el("h3", { text: m.label }),
      el("p", { testid: "measure-summary", text: m.summary }),
      figures,
      opened,
    );
  }

  async function loadMeasures(id) {
    const status = $("measures-status");
    $("measures-list").replaceChildren();
    $("measures-others-list").replaceChildren();
    $("measures-notice").textContent = "";
    status.textContent = "Förderempfehlung wird berechnet …";
    try {
      const body = await api(`/claimants/${encodeURIComponent(id)}/measures`);
      if ($("claimant").dataset.claimantId !== id) return;
      const offered = body.measures.filter((m) => body.offered.includes(m.key));
      const others = body.measures.filter((m) => !body.offered.includes(m.key));
      $("measures-list").replaceChildren(...offered.map((m) => measureItem(m, body.k, id)));
      $("measures-others-list").replaceChildren(...others.map((m) => el("li", { text: m.summary })));
      status.textContent = offered.length
        ? `Die ${offered.length === 1 ? "Maßnahme" : `${offered.length} Maßnahmen`} mit dem größten Zuwachs an erwarteten dauerhaften Vermittlungen, geschätzt auf ${num(body.market_vacancies, 0)} Stellen der letzten ${body.market_months} Monate:`
        : `Keine Maßnahme verbessert die Aussichten nennenswert (geschätzt auf ${num(body.market_vacancies, 0)} Stellen der letzten ${body.market_months} Monate).`;
      $("measures-notice").textContent = body.notice;
    } catch (err) {
      status.textContent = failure(err);
    }
  }

  // -- list controls: up to 50 ("weitere anzeigen"), contract, temp agency, hours, commute -------
  const MAX_LIST = 50;
  const NARROWED_DE = {
    contract: "Vertrag nicht wie gewählt",
    temp_agency: "Zeitarbeit nicht wie gewählt",
    hours: "Wochenstunden außerhalb des gewählten Bereichs",
    max_commute: "Arbeitsweg länger als gewählt",
  };
  let listK = K;

  function resetListControls() {
    $("list-controls").reset();
    listK = K;
    $("suggestions-more").hidden = true;
  }

  /** The controls as query parameters (empty ones left out; the server checks the values). */
  function listQuery(k) {
    const params = new URLSearchParams({ k: String(k) });
    for (const name of ["contract", "temp_agency", "hours_min", "hours_max", "max_commute"]) {
      const field = $("list-controls").elements.namedItem(name);
      const value = field.value.trim().replace(",", ".");
      if (value) params.set(name, value);
    }
    return params;
  }

  function narrowedText(body) {
    const parts = Object.entries(body.narrowed || {})
      .filter(([, n]) => n > 0)
      .map(([c, n]) => `${NARROWED_DE[c] || c}: ${num(n, 0)}`);
    return parts.length ? ` Durch Ihre Auswahl ausgeblendet: ${parts.join(", ")}.` : "";
  }

  async function loadSuggestions(id, k) {
    const status = $("claimant-status");
    const body = await api(`/claimants/${encodeURIComponent(id)}/suggestions?${listQuery(k)}`);
    listK = k;
    $("claimant-meta").textContent = listMeta(body, "geprüften Stellen");
    printHead(body.audit_id);
    renderExcluded(id, body);
    $("suggestions").replaceChildren(...body.suggestions.map((s) => matchItem(s, "suggestion")));
    // A full list may have more behind it: ten more at a time, up to 50.
    $("suggestions-more").hidden = body.suggestions.length < k || k >= MAX_LIST;
    status.textContent =
      (body.suggestions.length === 0
        ? "Keine passende Stelle erfüllt alle Bedingungen."
        : `${body.suggestions.length} Vorschläge, nach erwarteter dauerhafter Vermittlung geordnet.`) + narrowedText(body);
  }

  async function applyListControls(event, k = K) {
    if (event) event.preventDefault();
    const id = $("claimant").dataset.claimantId;
    if (!id) return;
    const status = $("claimant-status");
    status.textContent = "Vorschläge werden berechnet …";
    try {
      await loadSuggestions(id, k);
    } catch (err) {
      status.textContent = failure(err);
    }
  }

  // -- wish readings: the claimant's own words → the German occupation they were read as ---------
  const codeText = (r) => `${r.title} (KldB ${r.kldb})`;
  // A wish in a script other than Latin is in a language the page cannot name: lang="" ("unknown")
  // keeps screen readers from reading it as German; dir="auto" lays Arabic or Farsi out right to left.
  const LATIN = /\p{Script=Latin}/u;

  function readingText(w) {
    if (w.correction) {
      const when = w.corrected_at ? ` am ${dateDe(w.corrected_at)}` : "";
      return `${codeText(w.correction)} – korrigiert von ${w.corrected_by}${when}`;
    }
    if (!w.read_as.length) return "keine sichere Zuordnung – bitte Beruf wählen";
    return w.read_as.map((r) => `${codeText(r)}${r.via ? ` über „${r.via}“` : ""}`).join(" oder ");
  }

  // The wish's ESCO occupation beside the KldB reading, where ESCO was imported.
  function escoText(w) {
    if (w.correction || !w.esco || !w.esco.length) return "";
    return w.esco.map((m) => `ESCO: ${m.label}${m.kldb.length ? ` (KldB ${m.kldb.join(", ")})` : ""}`).join("; ");
  }

  function codeOptions(select, codes) {
    select.replaceChildren(
      el("option", { value: "", text: "Richtigen Beruf wählen …" }),
      ...codes.map((r) => el("option", { value: r.kldb, text: codeText(r) })),
    );
  }

  function readingItem(w, cid) {
    const status = el("span", { class: "hint", role: "status", testid: "reading-error" });
    const choose = el("select", { testid: "reading-select", "aria-label": `Richtigen Beruf wählen für „${w.wish}“` });
    codeOptions(choose, w.alternatives);
    const find = el("input", {
      type: "search",
      maxlength: 100,
      placeholder: "Beruf oder KldB-Code suchen",
      "aria-label": `Beruf suchen für „${w.wish}“`,
      testid: "reading-search",
    });
    let asked = 0;
    find.addEventListener("input", async () => {
      const q = find.value.trim();
      const mine = ++asked;
      if (!q) {
        codeOptions(choose, w.alternatives);
        return;
      }
      try {
        const body = await api(`/occupations?${new URLSearchParams({ q })}`);
        if (mine !== asked) return; // a later keystroke's answer wins
        codeOptions(choose, body.occupations);
        status.textContent = body.occupations.length ? "" : "Kein Beruf gefunden.";
      } catch (err) {
        status.textContent = failure(err);
      }
    });
    const change = async (method, body) => {
      status.textContent = "wird gespeichert …";
      try {
        const url = `/claimants/${encodeURIComponent(cid)}/readings/${w.index}`;
        renderReadings(cid, await api(url, { method, body }));
        await applyListControls(null, listK);
      } catch (err) {
        status.textContent = failure(err);
      }
    };
    choose.addEventListener("change", () => {
      if (choose.value) change("PUT", { kldb: choose.value });
    });
    const own = LATIN.test(w.wish) ? { dir: "auto" } : { dir: "auto", lang: "" };
    return el(
      "li",
      { class: "reading", testid: `reading-${w.index}` },
      el("bdi", { class: "wish", testid: "reading-wish", ...own, text: w.wish }),
      " → ",
      el("span", { class: w.correction ? "read-as corrected" : "read-as", testid: "reading-as", text: readingText(w) }),
      escoText(w) ? el("span", { class: "read-esco hint", testid: "reading-esco", text: ` · ${escoText(w)}` }) : null,
      el(
        "span",
        { class: "reading-fix no-print" },
        choose,
        find,
        w.correction
          ? el("button", { type: "button", testid: "reading-reset", text: "Zuordnung des Modells wiederherstellen" })
          : null,
        status,
      ),
    );
  }

  function renderReadings(cid, body) {
    if ($("claimant").dataset.claimantId !== cid) return;
    const items = body.readings.map((w) => readingItem(w, cid));
    for (const [i, li] of items.entries()) {
      const reset = li.querySelector("[data-testid=reading-reset]");
      if (reset) {
        reset.addEventListener("click", async () => {
          const err = li.querySelector("[data-testid=reading-error]");
          err.textContent = "wird gespeichert …";
          try {
            const url = `/claimants/${encodeURIComponent(cid)}/readings/${body.readings[i].index}`;
            renderReadings(cid, await api(url, { method: "DELETE" }));
            await applyListControls(null, listK);
          } catch (e) {
            err.textContent = failure(e);
          }
        });
      }
    }
    $("readings-list").replaceChildren(...items);
    $("readings").hidden = items.length === 0;
    $("readings-status").textContent = "";
  }

  async function loadReadings(id) {
    $("readings-list").replaceChildren();
    $("readings-status").textContent = "Zuordnung der Wunschberufe wird geladen …";
    try {
      renderReadings(id, await api(`/claimants/${encodeURIComponent(id)}/readings`));
    } catch (err) {
      $("readings-status").textContent = failure(err);
    }
  }

  function claimantInfo(c) {
    const parts = [
      [c.postcode, c.municipality].filter(Boolean).join(" "),
      c.desired_occupations && c.desired_occupations.length
        ? `Wunschberufe: ${c.desired_occupations.join(", ")}`
        : null,
      c.available_hours !== undefined ? `verfügbar ${hours(c.available_hours)} Std. pro Woche` : null,
      c.has_car === true ? "Auto vorhanden" : c.has_car === false ? "ohne Auto" : null,
      c.team ? `Team ${c.team}` : null,
    ];
    return parts.filter(Boolean).join(" · ");
  }

  // -- one vacancy, in words --------------------------------------------------------------------
  function employerOf(v) {
    return typeof v.employer === "object" && v.employer ? v.employer : { name: String(v.employer || "") };
  }

  function wageText(v) {
    return `${money(v.wage)} ${v.wage_unit === "hour" ? "pro Stunde" : "pro Monat"} (brutto)`;
  }

  function contractText(v) {
    if (v.contract === "fixed_term") {
      return v.contract_months ? `befristet auf ${num(v.contract_months, 0)} Monate` : "befristet";
    }
    return "unbefristet";
  }

  function licencesText(v) {
    return v.licences && v.licences.length ? `Führerschein Klasse ${v.licences.join(", ")}` : "kein Führerschein verlangt";
  }

  function closingText(v) {
    return v.expires ? `bis ${dateDe(v.expires)}` : "ohne Frist";
  }

  /** [label, text] pairs of everything needed to decide about a vacancy. */
  function vacancyFacts(v) {
    const e = employerOf(v);
    const employer = [
      e.name,
      e.size_band ? SIZE_DE[e.size_band] || e.size_band : null,
      e.collective_agreement === true ? "tarifgebunden" : e.collective_agreement === false ? "ohne Tarifbindung" : null,
      e.offers_training === true ? "bietet Weiterbildung / Einarbeitung" : null,
    ];
    return [
      ["Arbeitgeber", employer.filter(Boolean).join(" · ")],
      ["Zeitarbeit", e.temp_agency ? "ja – Arbeitgeber ist eine Zeitarbeitsfirma" : "nein – Anstellung direkt beim Betrieb"],
      ["Lohn", wageText(v)],
      ["Vertrag", contractText(v)],
      ["Arbeitszeit", `${hours(v.hours_per_week)} Std. pro Woche, ${SHIFTS_DE[v.shifts] || v.shifts}`],
      ["Arbeitsort", [v.postcode, v.municipality].filter(Boolean).join(" ")],
      ["Anforderungsniveau", SKILL_DE[v.skill_level] || String(v.skill_level)],
      ["Deutschkenntnisse", `mindestens ${v.german_level}`],
      ["Führerschein", licencesText(v)],
      ["Körperliche Belastung", LOAD_DE[v.physical_load] || String(v.physical_load)],
      ["Bewerbungsfrist", closingText(v)],
      ["Offene Stellen", v.filled ? "bereits besetzt" : num(v.openings, 0)],
    ];
  }

  function commuteText(pair) {
    const mode = MODE_DE[pair.commute_mode] || pair.commute_mode;
    return `${num(pair.commute_minutes, 0)} Min. (${mode}) einfach, zumutbar bis ${num(pair.commute_limit, 0)} Min.; ${num(pair.distance_km, 1)} km Luftlinie`;
  }

  function factList(pairs, testid) {
    return pairs.map(([label, text]) => el("div", { testid }, el("dt", { text: label }), el("dd", { text })));
  }

  // -- vacancy page -----------------------------------------------------------------------------
  // "Warum nicht diese Stelle?": each hard filter the pair fails, with both values (matcher.why_not).
  function renderWhyNot(kunde, pair) {
    const box = $("whynot");
    $("whynot-h").textContent = pair.refusals.length
      ? `Warum diese Stelle Kundennummer ${kunde} nicht vorgeschlagen wird`
      : `Kundennummer ${kunde} erfüllt alle Bedingungen dieser Stelle; sie steht nur weiter hinten in der Reihenfolge der Vorschläge.`;
    const rows = pair.refusals.map((r) =>
      el("tr", { testid: "whynot-row", "data-filter": r.filter },
        el("td", { text: r.reason }), el("td", { text: r.vacancy_value }), el("td", { text: r.claimant_value })),
    );
    box.querySelector("tbody").replaceChildren(...rows);
    box.querySelector("table").hidden = rows.length === 0;
    box.hidden = false;
  }

  async function openVacancy(id, kunde) {
    show("vacancy");
    $("whynot").hidden = true;
    $("vacancy-h").textContent = `Stelle ${id}`;
    $("vacancy-info").textContent = "";
    $("vacancy-facts").replaceChildren();
    $("vacancy-description").textContent = "";
    const q = kunde ? `?kunde=${encodeURIComponent(kunde)}` : "";
    const back = $("vacancy-back");
    back.setAttribute("href", kunde ? `/kunden/${encodeURIComponent(kunde)}` : "/");
    back.textContent = kunde ? `← Zurück zu Kundennummer ${kunde}` : "← Zur Suche";
    $("vacancy-candidates-link").setAttribute("href", `/stellen/${encodeURIComponent(id)}/kandidaten${q}`);
    const print = $("vacancy-print-link");
    print.hidden = !kunde;
    if (kunde) print.setAttribute("href", `/kunden/${encodeURIComponent(kunde)}/vorschlag/${encodeURIComponent(id)}`);
    const section = $("vacancy").querySelector(".history");
    renderHistory(section, [], () => "");
    const status = $("vacancy-status");
    status.textContent = "Stelle wird geladen …";
    try {
      const v = await api(`/vacancies/${encodeURIComponent(id)}`);
      $("vacancy-h").textContent = v.title;
      $("vacancy-info").textContent = [employerOf(v).name, [v.postcode, v.municipality].filter(Boolean).join(" "), `Stelle ${v.id}`]
        .filter(Boolean)
        .join(" · ");
      const facts = vacancyFacts(v);
      let pairNote = null;
      if (kunde) {
        try {
          const pair = await api(`/claimants/${encodeURIComponent(kunde)}/vacancies/${encodeURIComponent(id)}`);
          facts.splice(6, 0, [`Arbeitsweg von Kundennummer ${kunde}`, commuteText(pair)]);
          if (pair.failed.length) pairNote = `Für Kundennummer ${kunde} ausgeschlossen: ${pair.failed.map((f) => FILTERS_DE[f] || f).join(", ")}.`;
          renderWhyNot(kunde, pair);
        } catch (err) {
          facts.splice(6, 0, [`Arbeitsweg von Kundennummer ${kunde}`, err instanceof ApiError && err.status === 404 ? "nicht berechnet (Stelle nicht mehr offen)" : failure(err)]);
        }
      }
      $("vacancy-facts").replaceChildren(...factList(facts, "vacancy-fact"));
      $("vacancy-description").textContent = v.description || "Keine Beschreibung angegeben.";
      const history = await api(`/vacancies/${encodeURIComponent(id)}/proposals`);
      renderHistory(section, history.entries, (e) =>
        el("a", { href: `/kunden/${encodeURIComponent(e.claimant_id)}`, "data-nav": true, text: e.claimant_id }),
      );
      status.textContent = pairNote || "";
    } catch (err) {
      status.textContent = failure(err);
    }
  }

  // -- candidates of a vacancy ------------------------------------------------------------------
  async function openCandidates(id, kunde) {
    show("candidates-page");
    const q = kunde ? `?kunde=${encodeURIComponent(kunde)}` : "";
    $("candidates-back").setAttribute("href", `/stellen/${encodeURIComponent(id)}${q}`);
    $("candidates-h").textContent = `Stelle ${id} – Kandidatinnen und Kandidaten`;
    $("candidates-info").textContent = "";
    $("candidates-meta").textContent = "";
    $("candidates").replaceChildren();
    const status = $("candidates-status");
    status.textContent = "Kandidatinnen und Kandidaten werden berechnet …";
    try {
      const [vacancy, body] = await Promise.all([
        api(`/vacancies/${encodeURIComponent(id)}`),
        api(`/vacancies/${encodeURIComponent(id)}/candidates?k=${K}`),
      ]);
      $("candidates-h").textContent = `${vacancy.title} – Kandidatinnen und Kandidaten`;
      $("candidates-info").textContent = [
        employerOf(vacancy).name,
        [vacancy.postcode, vacancy.municipality].filter(Boolean).join(" "),
        `${hours(vacancy.hours_per_week)} Std. pro Woche`,
        `Stelle ${vacancy.id}`,
      ]
        .filter(Boolean)
        .join(" · ");
      $("candidates-meta").textContent = listMeta(body, "geprüften Kundinnen und Kunden");
      $("candidates").replaceChildren(...body.candidates.map((c) => matchItem(c, "candidate")));
      status.textContent =
        body.candidates.length === 0
          ? "Keine Kundin und kein Kunde Ihres Jobcenters erfüllt alle Bedingungen."
          : `${body.candidates.length} Kandidatinnen und Kandidaten.`;
    } catch (err) {
      status.textContent = failure(err);
    }
  }

  // -- the claimant list on paper (print.css) --------------------------------------------------
  /** The line above the printed list: when it was printed and which list (its Protokoll-Nr.). */
  function printHead(auditId) {
    const head = $("claimant-print-head");
    head.dataset.auditId = auditId === undefined || auditId === null ? "" : String(auditId);
    const now = new Date();
    const when = `${dateDe(now.toISOString())}, ${now.toLocaleTimeString("de-DE", { hour: "2-digit", minute: "2-digit" })} Uhr`;
    head.textContent = [`Gedruckt am ${when}`, head.dataset.auditId ? `Liste Nr. ${head.dataset.auditId}` : null]
      .filter(Boolean)
      .join(" · ");
  }

  // -- printable Vermittlungsvorschlag ----------------------------------------------------------
  async function openProposal(cid, vid) {
    show("proposal");
    $("proposal-back").setAttribute("href", `/stellen/${encodeURIComponent(vid)}?kunde=${encodeURIComponent(cid)}`);
    for (const key of ["jobcenter", "date", "to", "title", "employer", "description", "apply", "confirmed"]) {
      $(`proposal-${key}`).textContent = "";
    }
    $("proposal-facts").replaceChildren();
    $("proposal-notice").hidden = true;
    $("proposal-notice-text").textContent = "";
    const status = $("proposal-status");
    status.textContent = "Vorschlag wird vorbereitet …";
    try {
      const [claimant, v, history] = await Promise.all([
        api(`/claimants/${encodeURIComponent(cid)}`),
        api(`/vacancies/${encodeURIComponent(vid)}`),
        api(`/claimants/${encodeURIComponent(cid)}/proposals`),
      ]);
      let pair = null;
      try {
        pair = await api(`/claimants/${encodeURIComponent(cid)}/vacancies/${encodeURIComponent(vid)}`);
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 404)) throw err;
      }
      const proposed = history.entries.filter((e) => e.vacancy_id === vid && e.action === "proposed").pop();
      $("proposal-jobcenter").textContent = `Jobcenter ${claimant.jobcenter} · Team ${claimant.team}`;
      $("proposal-date").textContent = `Datum: ${dateDe(new Date().toISOString())}`;
      $("proposal-to").textContent = `Für Kundennummer ${claimant.id}, ${[claimant.postcode, claimant.municipality].filter(Boolean).join(" ")}`;
      $("proposal-title").textContent = v.title;
      $("proposal-employer").textContent = `${employerOf(v).name}, ${[v.postcode, v.municipality].filter(Boolean).join(" ")} · Stellennummer ${v.id}`;
      const facts = vacancyFacts(v).filter(([label]) => !["Arbeitgeber", "Arbeitsort", "Offene Stellen"].includes(label));
      if (pair) facts.push(["Ihr Arbeitsweg", commuteText(pair)]);
      $("proposal-facts").replaceChildren(...factList(facts, "proposal-fact"));
      const text = v.description || "";
      $("proposal-description").textContent = text.length > 900 ? `${text.slice(0, 900)} …` : text || "Keine Beschreibung angegeben.";
      $("proposal-apply").textContent = `Bitte bewerben Sie sich ${v.expires ? `bis ${dateDe(v.expires)}` : "möglichst bald"} bei ${employerOf(v).name} und geben Sie die Stellennummer ${v.id} an. Teilen Sie uns bitte mit, ob Sie sich beworben haben.`;
      $("proposal-confirmed").textContent = proposed
        ? `Vorgeschlagen am ${dateDe(proposed.at)}, bestätigt von ${proposed.confirmed_by}.`
        : "Noch nicht als Vorschlag erfasst: bitte erst auf der Vorschlagsliste „vorgeschlagen“ mit Bestätigung speichern.";
      if (proposed) {
        // The claimant notice of this confirmed proposal, printed on its own sheet behind it.
        const n = await api(`/suggestions/${encodeURIComponent(proposed.suggestion_id)}/notice`);
        $("proposal-notice-text").textContent = n.text;
        $("proposal-notice").hidden = false;
      }
      status.textContent = "";
    } catch (err) {
      status.textContent = failure(err);
    }
  }

  // -- start ------------------------------------------------------------------------------------
  async function start() {
    $("signin-form").addEventListener("submit", signIn);
    $("whynot-form").addEventListener("submit", whyNot);
    $("caseload-cm").addEventListener("change", (event) => {
      const cm = event.target.value;
      go(cm ? `/meine-kunden?${new URLSearchParams({ fallmanager: cm })}` : "/meine-kunden");
    });
    $("list-controls").addEventListener("submit", (event) => applyListControls(event));
    $("lc-reset").addEventListener("click", () => {
      resetListControls();
      applyListControls(null);
    });
    $("suggestions-more").addEventListener("click", () => applyListControls(null, Math.min(MAX_LIST, listK + 10)));
    $("search-form").addEventListener("submit", search);
    $("signout").addEventListener("click", () => signOut(""));
    document.addEventListener("click", onClick);
    $("proposal-print").addEventListener("click", () => window.print());
    // The print date is the date of printing, not of loading the list.
    window.addEventListener("beforeprint", () => printHead($("claimant-print-head").dataset.auditId));
    window.addEventListener("popstate", route);
    if (!token()) {
      show("signin");
      return;
    }
    try {
      showWho(await api("/me"));
      route();
    } catch (err) {
      const text = failure(err);
      if (!(err instanceof ApiError && err.status === 401)) {
        show("signin");
        $("signin-error").textContent = text;
      }
    }
  }

  document.addEventListener("DOMContentLoaded", start);
})();
