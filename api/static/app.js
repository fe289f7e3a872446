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

  // Why a suggestion was not taken up (reason_code of a rejection).
  const REJECT_REASONS = [
    ["commute", "Arbeitsweg zu lang oder nicht erreichbar"],
    ["hours", "Arbeitszeit oder Stunden passen nicht"],
    ["childcare", "Kinderbetreuung nicht vereinbar"],
    ["health", "gesundheitliche Gründe"],
    ["qualification", "Qualifikation oder Erfahrung fehlt"],
    ["language", "Deutschkenntnisse reichen nicht"],
    ["wage", "Lohn zu niedrig"],
    ["temp_agency", "Zeitarbeit / Befristung nicht gewünscht"],
    ["vacancy_filled", "Stelle bereits besetzt"],
    ["claimant_declined", "Kundin/Kunde lehnt ab"],
    ["other", "anderer Grund"],
  ];

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

  // Sustainability features that are yes/no flags (models/features.py BINARY and the childcare flag).
  const FLAGS = new Set([
    "no_car",
    "shift_work",
    "fixed_term",
    "temp_agency",
    "ends_need",
    "collective_agreement",
    "offers_training",
    "childcare_clash",
  ]);

  const num = (x, digits) =>
    Number(x).toLocaleString("de-DE", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const pct = (p) => `${num(Math.round(Number(p) * 100), 0)} %`;

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
    for (const id of ["signin", "search", "claimant", "vacancy"]) $(id).hidden = id !== sectionId;
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

  /** The server's reason as one line: FastAPI answers {"detail": str} or {"detail": [{loc, msg}]}. */
  function detailText(body, status) {
    const d = body && body.detail;
    if (typeof d === "string") return d;
    if (Array.isArray(d)) {
      return d
        .map((e) => {
          const loc = (e.loc || []).filter((p) => !["body", "query", "path"].includes(p)).join(".");
          return loc ? `${loc}: ${e.msg}` : String(e.msg);
        })
        .join("; ");
    }
    return `HTTP ${status}`;
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
      if (err.status === 403) return `Keine Berechtigung (${err.message})`;
      if (err.status === 404) return "Nicht gefunden (oder nicht in Ihrem Jobcenter).";
      if (err.status === 422) return `Eingabe nicht gültig: ${err.message}`;
      return `Fehler ${err.status}: ${err.message}`;
    }
    return `Keine Verbindung zum Server (${err.message}).`;
  }

  // -- sign-in ----------------------------------------------------------------------------------
  function showWho(me) {
    $("whoami").textContent = `${me.name} · ${me.role} · Jobcenter ${me.jobcenter}`;
    $("who").hidden = false;
  }

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    $("who").hidden = true;
    $("whoami").textContent = "";
    lastSearch = null;
    $("search-results").hidden = true;
    $("search-results").tBodies[0].replaceChildren();
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
    if (location.pathname !== path) history.pushState(null, "", path);
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
    if ((m = path.match(/^\/kunden\/([^/]+)$/))) return openClaimant(decodeURIComponent(m[1]));
    if ((m = path.match(/^\/stellen\/([^/]+)$/))) return openVacancy(decodeURIComponent(m[1]));
    show("search");
    $("q").focus();
  }

  // -- search -----------------------------------------------------------------------------------
  let lastSearch = null;
  const FETCH = 200; // the API's largest page
  const SHOWN = 50;

  async function search(event) {
    event.preventDefault();
    const q = $("q").value.trim();
    const status = $("search-status");
    status.textContent = "Suche …";
    try {
      const body = await api(`/claimants?${new URLSearchParams({ q, limit: String(FETCH) })}`);
      // Current cases first (the answer is ordered by id; closed cases are kept for the history).
      const found = [...body.claimants].sort((a, b) => Number(b.active !== false) - Number(a.active !== false));
      lastSearch = found.slice(0, SHOWN);
      renderSearch(lastSearch);
      const more = found.length > SHOWN ? ` (die ersten ${SHOWN}, laufende Fälle zuerst)` : "";
      status.textContent =
        found.length === 0
          ? "Keine Kundin und kein Kunde gefunden."
          : `${found.length === FETCH ? "Mindestens " : ""}${found.length} gefunden${more}.`;
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

  /** Drivers as {positive: [...], negative: [...]} or a flat list of {label, contribution}. */
  function driverItems(drivers) {
    if (!drivers) return [];
    const list = Array.isArray(drivers)
      ? drivers
      : [...(drivers.positive || []), ...(drivers.negative || [])];
    return list.map((d) => {
      const up = Number(d.contribution) > 0;
      let value = null;
      if (d.value !== undefined && d.value !== null) {
        value = FLAGS.has(d.feature) ? (Number(d.value) > 0 ? "ja" : "nein") : num(d.value, Number.isInteger(d.value) ? 0 : 2);
      }
      return el(
        "li",
        { class: up ? "up" : "down" },
        el("span", { class: "visually-hidden", text: up ? "erhöht: " : "senkt: " }),
        el("span", { class: "sign", "aria-hidden": "true", text: up ? "▲" : "▼" }),
        ` ${d.label || d.feature}`,
        value === null ? null : el("span", { class: "value", text: ` (${value})` }),
      );
    });
  }

  let formCounter = 0;

  function feedbackForm(item) {
    const n = ++formCounter;
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
    });
    const reason = el(
      "select",
      { id: `fb-reason-${n}`, name: "reason_code", testid: "feedback-reason" },
      el("option", { value: "", text: "– Grund wählen –" }),
      REJECT_REASONS.map(([value, label]) => el("option", { value, text: label })),
    );
    const confirmedBox = el(
      "div",
      { class: "field", hidden: true },
      el("label", { for: confirmed.id, text: "Bestätigt durch (Name der Fachkraft)" }),
      confirmed,
    );
    const reasonBox = el(
      "div",
      { class: "field", hidden: true },
      el("label", { for: reason.id, text: "Ablehnungsgrund" }),
      reason,
    );
    const status = el("p", { class: "status", role: "status", testid: "feedback-status" });
    const submit = el("button", { type: "submit", testid: "feedback-submit", text: "Speichern" });
    const form = el(
      "form",
      { class: "feedback", testid: "feedback-form" },
      el(
        "fieldset",
        {},
        el("legend", { text: "Rückmeldung" }),
        el("div", { class: "field" }, el("label", { for: action.id, text: "Aktion" }), action),
        confirmedBox,
        reasonBox,
        submit,
      ),
      status,
    );
    action.addEventListener("change", () => {
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
    const heading =
      kind === "suggestion"
        ? el(
            "h2",
            {},
            el("a", { href: `/stellen/${encodeURIComponent(item.vacancy_id)}`, "data-nav": true, text: item.title }),
          )
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
    const reasons = el(
      "ul",
      { class: "reasons", testid: `${kind}-reasons` },
      (item.reasons || []).length
        ? item.reasons.map((r) => el("li", { text: r }))
        : el("li", { class: "hint", text: "keine Begründung (ohne trainiertes Modell nur nach Passung geordnet)" }),
    );
    const drivers = driverItems(item.drivers);
    return el(
      "li",
      {
        class: "match card",
        testid: kind,
        "data-suggestion-id": item.suggestion_id,
        "data-vacancy-id": item.vacancy_id,
        "data-claimant-id": item.claimant_id,
      },
      el(
        "div",
        { class: "match-head" },
        el("span", { class: "rank" }, el("span", { class: "visually-hidden", text: "Rang " }), String(item.rank)),
        el("div", { class: "grow" }, heading, el("p", { class: "where", text: where })),
        el(
          "p",
          { class: "score", testid: `${kind}-score` },
          el("span", { class: "label", text: "Gesamtwert" }),
          el("strong", { text: num(item.score, 2) }),
          el("span", { class: "label", text: "Passung × Chance" }),
        ),
      ),
      el(
        "dl",
        { class: "facts" },
        fact(
          "Passung",
          el("meter", { min: "0", max: "1", value: String(item.p_match) }),
          ` ${pct(item.p_match)}`,
        ),
        fact(
          "Chance auf Beschäftigung nach 12 Monaten",
          el("meter", { min: "0", max: "1", value: String(item.p_sustain) }),
          ` ${pct(item.p_sustain)}`,
        ),
        fact(
          "Fahrzeit",
          `${num(item.commute_minutes, 0)} von ${num(item.commute_limit, 0)} Min. (${mode}), ${num(item.distance_km, 1)} km`,
        ),
        fact("Stunden/Woche", num(item.hours_per_week, item.hours_per_week % 1 ? 1 : 0)),
        wideFact("Haushaltseffekt", ...householdText(item.household)),
      ),
      el(
        "div",
        { class: "why" },
        el("div", {}, el("h3", { text: "Gründe" }), reasons),
        drivers.length
          ? el(
              "div",
              {},
              el("h3", { text: "Was die Chance auf Dauer beeinflusst" }),
              el("p", { class: "hint", text: "▲ erhöht, ▼ senkt sie gegenüber einer durchschnittlichen Vermittlung (Wert in Klammern)" }),
              el("ul", { class: "drivers", testid: `${kind}-drivers` }, drivers),
            )
          : null,
      ),
      feedbackForm(item),
    );
  }

  // -- claimant page ----------------------------------------------------------------------------
  async function openClaimant(id) {
    show("claimant");
    $("claimant-h").textContent = `Vorschläge für Kundennummer ${id}`;
    $("claimant-info").textContent = "";
    $("claimant-meta").textContent = "";
    $("suggestions").replaceChildren();
    const status = $("claimant-status");
    status.textContent = "Vorschläge werden berechnet …";
    try {
      const [claimant, body] = await Promise.all([
        api(`/claimants/${encodeURIComponent(id)}`),
        api(`/claimants/${encodeURIComponent(id)}/suggestions?k=${K}`),
      ]);
      $("claimant-info").textContent = claimantInfo(claimant);
      $("claimant-meta").textContent = listMeta(body, "geprüften Stellen");
      $("suggestions").replaceChildren(...body.suggestions.map((s) => matchItem(s, "suggestion")));
      status.textContent =
        body.suggestions.length === 0
          ? "Keine passende Stelle erfüllt alle Bedingungen."
          : `${body.suggestions.length} Vorschläge, nach erwarteter dauerhafter Vermittlung geordnet.`;
    } catch (err) {
      status.textContent = failure(err);
    }
  }

  function claimantInfo(c) {
    const parts = [
      [c.postcode, c.municipality].filter(Boolean).join(" "),
      c.desired_occupations && c.desired_occupations.length
        ? `Wunschberufe: ${c.desired_occupations.join(", ")}`
        : null,
      c.available_hours !== undefined ? `verfügbar ${num(c.available_hours, 0)} Std./Woche` : null,
      c.has_car === true ? "Auto vorhanden" : c.has_car === false ? "ohne Auto" : null,
      c.team ? `Team ${c.team}` : null,
    ];
    return parts.filter(Boolean).join(" · ");
  }

  // -- vacancy page -----------------------------------------------------------------------------
  async function openVacancy(id) {
    show("vacancy");
    $("vacancy-h").textContent = `Stelle ${id}`;
    $("vacancy-info").textContent = "";
    $("vacancy-meta").textContent = "";
    $("candidates").replaceChildren();
    const status = $("vacancy-status");
    status.textContent = "Kandidatinnen und Kandidaten werden berechnet …";
    try {
      const [vacancy, body] = await Promise.all([
        api(`/vacancies/${encodeURIComponent(id)}`),
        api(`/vacancies/${encodeURIComponent(id)}/candidates?k=${K}`),
      ]);
      const employer = typeof vacancy.employer === "object" && vacancy.employer ? vacancy.employer.name : vacancy.employer;
      $("vacancy-h").textContent = `${vacancy.title} – Kandidatinnen und Kandidaten`;
      $("vacancy-info").textContent = [
        employer,
        [vacancy.postcode, vacancy.municipality].filter(Boolean).join(" "),
        vacancy.hours_per_week !== undefined ? `${num(vacancy.hours_per_week, 0)} Std./Woche` : null,
        `Stelle ${vacancy.id}`,
      ]
        .filter(Boolean)
        .join(" · ");
      $("vacancy-meta").textContent = listMeta(body, "geprüften Kundinnen und Kunden");
      $("candidates").replaceChildren(...body.candidates.map((c) => matchItem(c, "candidate")));
      status.textContent =
        body.candidates.length === 0
          ? "Keine Kundin und kein Kunde Ihres Jobcenters erfüllt alle Bedingungen."
          : `${body.candidates.length} Kandidatinnen und Kandidaten.`;
    } catch (err) {
      status.textContent = failure(err);
    }
  }

  // -- start ------------------------------------------------------------------------------------
  async function start() {
    $("signin-form").addEventListener("submit", signIn);
    $("search-form").addEventListener("submit", search);
    $("signout").addEventListener("click", () => signOut(""));
    document.addEventListener("click", onClick);
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
