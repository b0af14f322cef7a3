// The chat page: asks /v1/chat with streaming, renders answers safely, keeps the session id.
"use strict";

(() => {
  const KEY_STORE = "cryptorag.apiKey";
  // An EVM address on its own, not the start or end of a longer hex string.
  const TOKENS = /\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]|(?<![0-9A-Za-z])(0x[0-9a-fA-F]{40})(?![0-9A-Za-z])/g;
  // Without the g flag: test() on a global regex moves its lastIndex, which matchAll inherits.
  const HAS_TOKEN = new RegExp(TOKENS.source);
  const state = {
    sessionId: null, // issued by the server in its first answer; never made up here
    config: { chains: {}, defaultChain: "ethereum", requireKey: false },
    controller: null,
    turns: 0,
    keyWaiters: [],
    chainPatterns: [], // [regex, chain name] from the registry, to read "on Arbitrum 0x…"
  };
  const $ = (id) => document.getElementById(id);

  // --- small DOM helpers -------------------------------------------------------------------

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  }

  const isHttp = (url) => typeof url === "string" && /^https?:\/\//i.test(url);

  function externalLink(href, text) {
    return el("a", { href, target: "_blank", rel: "noopener noreferrer", text });
  }

  function scrollToEnd() {
    window.scrollTo(0, document.documentElement.scrollHeight);
  }

  // --- safe Markdown -----------------------------------------------------------------------

  // Raw HTML is shown as the text it is; images become their alt text, so no host is contacted.
  window.marked.use({
    gfm: true,
    renderer: {
      html: (token) => escapeHtml(token.text),
      image: (token) => escapeHtml(`[image: ${token.text || "untitled"}]`),
    },
  });

  const purify = window.DOMPurify;
  purify.addHook("uponSanitizeElement", (node, data) => {
    if (data.tagName !== "img") return;
    let sameOrigin = false;
    try {
      sameOrigin = new URL(node.getAttribute("src") || "", location.href).origin === location.origin;
    } catch (_) {
      sameOrigin = false;
    }
    if (!sameOrigin) node.parentNode?.removeChild(node);
  });
  purify.addHook("afterSanitizeAttributes", (node) => {
    if (node.tagName !== "A") return;
    const href = node.getAttribute("href") || "";
    if (!isHttp(href)) {
      node.removeAttribute("href"); // only http(s) links leave the page
      return;
    }
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer");
  });
  const PURIFY = {
    RETURN_DOM_FRAGMENT: true,
    FORBID_TAGS: ["style", "form", "input", "button", "textarea", "select", "iframe", "svg", "math"],
    FORBID_ATTR: ["style", "class", "id", "name"],
  };

  function renderMarkdown(text) {
    return purify.sanitize(window.marked.parse(text), PURIFY);
  }

  // --- addresses, citations, cards -----------------------------------------------------------

  function chainInfo(name) {
    return state.config.chains[name] || { name, label: name, explorer: null };
  }

  function addressWidget(address, chain) {
    const info = chainInfo(chain || state.config.defaultChain);
    const copy = el("button", {
      type: "button",
      class: "copy",
      title: "Copy address",
      "aria-label": `Copy ${address}`,
      "data-address": address,
      text: "Copy",
    });
    copy.addEventListener("click", () => copyAddress(copy, address));
    const explorer = info.explorer
      ? el("a", {
          class: "explorer",
          href: `${info.explorer}/address/${address}`,
          target: "_blank",
          rel: "noopener noreferrer",
          title: `${address} on ${info.label}'s block explorer`,
          text: `${info.label} ↗`,
        })
      : null;
    return el("span", { class: "addr" }, el("code", { text: address }), copy, explorer);
  }

  async function copyAddress(button, address) {
    try {
      await navigator.clipboard.writeText(address);
      button.textContent = "Copied";
    } catch (_) {
      button.textContent = "Copy failed";
      const range = document.createRange();
      range.selectNodeContents(button.previousSibling);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
    }
    setTimeout(() => (button.textContent = "Copy"), 1500);
  }

  // Text nodes only: what the sanitiser let through is never parsed as HTML again.
  function decorate(root, turn, sourceCount, chainOf) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const found = [];
    while (walker.nextNode()) {
      const node = walker.currentNode;
      if (node.parentElement?.closest("a") || !HAS_TOKEN.test(node.nodeValue)) continue;
      // The text before the node in its block, read before any widget (with its chain label)
      // is inserted: "on Arbitrum `0x…`" names the chain of an address in a code span.
      found.push([node, textBefore(node, root)]);
    }
    for (const [node, before] of found) {
      const inCode = Boolean(node.parentElement?.closest("code, pre"));
      const text = node.nodeValue;
      const out = document.createDocumentFragment();
      let last = 0;
      for (const match of text.matchAll(TOKENS)) {
        out.append(text.slice(last, match.index));
        last = match.index + match[0].length;
        if (match[2]) {
          const chain = chainOf(match[2]) || chainNamedBefore(before + text.slice(0, match.index));
          out.append(addressWidget(match[2], chain));
        } else {
          out.append(citations(match[0], match[1], turn, sourceCount, inCode));
        }
      }
      out.append(text.slice(last));
      node.replaceWith(out);
    }
  }

  function textBefore(node, root) {
    const block = node.parentElement?.closest("p, li, td, th, dd, dt, blockquote, h1, h2, h3, h4, h5, h6");
    if (!block || !root.contains(block)) return "";
    const range = document.createRange();
    range.setStart(block, 0);
    range.setEnd(node, 0);
    return range.toString();
  }

  // The chain an answer names last before an address, within its sentence: "on Base is 0x…".
  // Ordinary words that are also chain names ("base") count only capitalised, as on the server.
  function chainNamedBefore(text) {
    const tail = text.slice(-160);
    const cut = Math.max(tail.lastIndexOf("\n"), ...[". ", "; ", "! ", "? "].map((s) => tail.lastIndexOf(s)));
    const sentence = tail.slice(cut + 1);
    let best = null;
    let bestAt = -1;
    for (const [pattern, name] of state.chainPatterns) {
      for (const match of sentence.matchAll(pattern)) {
        if (match.index > bestAt) [best, bestAt] = [name, match.index];
      }
    }
    return best;
  }

  function chainPatterns(chains) {
    const escape = (w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const bounded = (words, flags) => new RegExp(`(?<![\\w-])(?:${words.join("|")})(?![\\w-])`, flags);
    const out = [];
    for (const c of chains) {
      if (c.aliases?.length) out.push([bounded(c.aliases.map(escape), "gi"), c.name]);
      const ambiguous = (c.ambiguous || []).map(escape);
      if (!ambiguous.length) continue;
      const words = (c.ambiguous || []).flatMap((w) => [w[0].toUpperCase() + w.slice(1), w.toUpperCase()]);
      out.push([bounded(words.map(escape), "g"), c.name]);
      out.push([new RegExp(`(?<=\\b(?:on|in) )(?:${ambiguous.join("|")})(?![\\w-])`, "gi"), c.name]);
    }
    return out;
  }

  function citations(raw, list, turn, sourceCount, inCode) {
    const numbers = list.split(",").map((n) => Number(n.trim()));
    if (inCode || !sourceCount || numbers.some((n) => n < 1 || n > sourceCount)) return raw;
    const out = document.createDocumentFragment();
    for (const n of numbers) {
      out.append(el("a", { class: "cite", href: `#t${turn}-s${n}`, text: `[${n}]` }));
    }
    return out;
  }

  const TRUST_LABELS = {
    curated: "curated token list",
    operator: "operator's folder",
    onchain: "live on-chain read",
    fetched: "fetched feed or page",
  };

  function sourcesList(turn, sources) {
    const list = el("ol", { class: "sources" });
    sources.forEach((s, i) => {
      const title = s.title || s.source;
      const item = el("li", { id: `t${turn}-s${i + 1}` });
      item.append(isHttp(s.url) ? externalLink(s.url, title) : el("span", { text: title }));
      if (s.source && s.source !== s.url && s.source !== title) {
        item.append(" ", el("span", { class: "source-path", text: s.source }));
      }
      // How far the source is trusted: the curated token list outranks folders and fetched pages.
      if (TRUST_LABELS[s.trust]) {
        item.append(" ", el("span", { class: `source-trust trust-${s.trust}`, text: TRUST_LABELS[s.trust] }));
      }
      list.append(item);
    });
    return el("details", { class: "sources-box", open: true }, el("summary", { text: `Sources (${sources.length})` }), list);
  }

  function row(label, ...value) {
    return [el("dt", { text: label }), el("dd", {}, ...value)];
  }

  function contractCard(f) {
    const info = chainInfo(f.chain);
    const kind = { contract: "contract", eoa: "wallet (no code)", empty: "nothing deployed" }[f.account_type] || f.account_type;
    const rows = [];
    if (f.standards?.length) rows.push(...row("Standards", f.standards.map((s) => s.toUpperCase()).join(", ")));
    if (f.token) {
      const t = f.token;
      const bits = [t.name ? `${t.name}` : "no name", t.symbol ? `(${t.symbol})` : "(no symbol)"];
      if (t.decimals !== null && t.decimals !== undefined) bits.push(`· ${t.decimals} decimals`);
      if (t.total_supply) bits.push(`· supply ${t.total_supply} base units`);
      rows.push(...row("Token", el("span", { class: "untrusted", title: "as the contract reports it", text: bits.join(" ") })));
    }
    if (f.listed) rows.push(...row("Listed", `${f.listed.name} (${f.listed.symbol}) on ${f.listed.list}`));
    if (f.proxy) {
      const p = f.proxy;
      rows.push(...row("Proxy", `${p.standard.toUpperCase()}${p.upgrade ? ` (${p.upgrade})` : ""}`));
      if (p.implementation) rows.push(...row("Implementation", addressWidget(p.implementation, f.chain)));
      if (p.beacon) rows.push(...row("Beacon", addressWidget(p.beacon, f.chain)));
      if (p.admin) rows.push(...row("Admin", addressWidget(p.admin, f.chain)));
    }
    if (f.owner) rows.push(...row("Owner", addressWidget(f.owner, f.chain)));
    if (f.protocol) rows.push(...row("Protocol", `${f.protocol.name}${f.protocol.category ? ` (${f.protocol.category})` : ""}`));
    const card = el(
      "section",
      { class: "card", "aria-label": `On-chain facts of ${f.address}` },
      el(
        "div",
        { class: "card-head" },
        el("span", { class: "chain", text: info.label }),
        el("span", { class: "kind", text: kind }),
        el("span", { class: "block", text: `block ${f.block_number}` }),
      ),
      addressWidget(f.address, f.chain),
    );
    if (rows.length) card.append(el("dl", {}, ...rows));
    if (f.warnings?.length) {
      const list = el("ul", { class: "warnings", role: "alert" }, ...f.warnings.map((w) => el("li", { text: w })));
      decorate(list, 0, 0, () => f.chain); // a warning may name the canonical token's address
      card.append(list);
    }
    const checks = checksBox(f);
    if (checks) card.append(checks);
    return card;
  }

  // Token-risk checks: found risks in red, reassuring finds plainly, then what was checked and
  // found nothing, then what could not be checked. A lookalike is already among the warnings.
  function checksBox(f) {
    const checks = (f.checks || []).filter((c) => c.id !== "lookalike" || c.status !== "found");
    if (!checks.length) return null;
    const box = el("div", { class: "checks", "aria-label": `Checks read at block ${f.block_number}` });
    const found = (risk) => checks.filter((c) => c.status === "found" && c.risk === risk);
    if (found(true).length) {
      const list = el("ul", { class: "check-risks" }, ...found(true).map((c) => el("li", { "data-check": c.id, text: c.summary })));
      decorate(list, 0, 0, () => f.chain);
      box.append(list);
    }
    if (found(false).length) {
      box.append(el("ul", { class: "check-also" }, ...found(false).map((c) => el("li", { "data-check": c.id, text: c.summary }))));
    }
    const named = (status) => checks.filter((c) => c.status === status);
    if (named("not_found").length) {
      box.append(el("p", { class: "check-absent", text: `Checked, not found: ${named("not_found").map((c) => c.name).join(", ")}` }));
    }
    if (named("unknown").length) {
      const items = named("unknown").map((c) => el("li", { "data-check": c.id, text: `${c.name}: ${c.summary}` }));
      box.append(el("details", { class: "check-unknown" }, el("summary", { text: `Could not be checked: ${named("unknown").map((c) => c.name).join(", ")}` }), el("ul", {}, ...items)));
    }
    return box;
  }

  // --- one question and its answer -------------------------------------------------------------

  class Turn {
    constructor(question) {
      this.n = ++state.turns;
      this.question = question;
      this.text = "";
      this.pending = false;
      $("empty-hint")?.remove();
      this.body = el("div", { class: "answer-body" }, el("p", { class: "typing", text: "Thinking…" }));
      this.node = el(
        "article",
        { class: "turn", "data-turn": this.n },
        el("div", { class: "msg user", text: question }),
        el("div", { class: "msg bot" }, this.body),
      );
      $("log").append(this.node);
      scrollToEnd();
    }

    delta(text) {
      this.text += text;
      if (this.pending) return;
      this.pending = true;
      requestAnimationFrame(() => {
        if (this.settled) return; // the final answer (or an error) is already shown
        this.pending = false;
        this.body.replaceChildren(renderMarkdown(this.text));
        this.body.classList.add("streaming");
        decorate(this.body, this.n, 0, () => null);
        scrollToEnd();
      });
    }

    finish(response) {
      this.response = response;
      this.text = response.answer;
      const chains = new Map((response.onchain || []).map((f) => [f.address.toLowerCase(), f.chain]));
      this.settled = true; // a late animation frame must not redraw the streamed draft
      this.body.classList.remove("streaming");
      this.body.replaceChildren(renderMarkdown(response.answer));
      decorate(this.body, this.n, response.sources.length, (a) => chains.get(a.toLowerCase()) || null);
      const bot = this.body.parentElement;
      const cardAddresses = new Set(chains.keys());
      const notes = (response.warnings || []).filter((w) => ![...cardAddresses].some((a) => w.toLowerCase().startsWith(`${a}: `)));
      const declined = response.answerable === false;
      if (declined) {
        // The knowledge base does not answer it: said where it cannot be missed.
        bot.classList.add("not-covered");
        bot.append(el("p", { class: "notice not-covered", role: "status", text: "Not covered: the knowledge base does not answer this question." }));
      }
      // That no language model wrote it is said once, by the answer's own first line.
      if (notes.length) {
        const box = el("div", { class: "notice", role: "status" });
        if (notes.length) box.append(el("ul", {}, ...notes.map((w) => el("li", { text: w }))));
        decorate(box, this.n, 0, (a) => chains.get(a.toLowerCase()) || null);
        bot.append(box);
      }
      for (const facts of response.onchain || []) bot.append(contractCard(facts));
      if (response.sources.length) bot.append(sourcesList(this.n, response.sources));
      bot.append(feedbackBar(this));
      scrollToEnd();
    }

    fail(message, detail) {
      this.settled = true;
      if (this.text) {
        // Keep what was written before the failure, drawn now rather than on the next frame.
        this.body.replaceChildren(renderMarkdown(this.text));
        decorate(this.body, this.n, 0, () => null);
      } else {
        this.body.querySelector(".typing")?.remove();
      }
      this.body.classList.remove("streaming");
      this.body.append(el("p", { class: "error", role: "alert", text: message }));
      if (detail) this.body.append(el("p", { class: "error-detail", text: detail }));
      scrollToEnd();
    }
  }

  // --- feedback ------------------------------------------------------------------------------

  function feedbackBar(turn) {
    const bar = el("div", { class: "feedback" });
    const up = el("button", { type: "button", class: "rate", "aria-label": "Good answer", "aria-pressed": "false", text: "👍" });
    const down = el("button", { type: "button", class: "rate", "aria-label": "Bad answer", "aria-pressed": "false", text: "👎" });
    const comment = el("input", { type: "text", maxlength: "2000", placeholder: "Comment (optional)", "aria-label": "Comment" });
    const send = el("button", { type: "submit", text: "Send feedback" });
    const status = el("span", { class: "feedback-status", role: "status" });
    const form = el("form", { class: "feedback-form", hidden: true }, comment, send);
    let rating = null;
    for (const [button, value] of [[up, "up"], [down, "down"]]) {
      button.addEventListener("click", () => {
        rating = value;
        up.setAttribute("aria-pressed", String(value === "up"));
        down.setAttribute("aria-pressed", String(value === "down"));
        form.hidden = false;
        comment.focus();
      });
    }
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!rating) return;
      const r = turn.response;
      const body = {
        rating,
        question: turn.question,
        answer: r.answer,
        sources: r.sources.map((s) => (s.url ? { source: s.source, title: s.title, url: s.url } : { source: s.source, title: s.title })),
      };
      if (r.session_id) body.session_id = r.session_id;
      if (comment.value.trim()) body.comment = comment.value.trim();
      send.disabled = true;
      status.textContent = "Sending…";
      try {
        const resp = await api("/v1/feedback", body);
        if (resp.ok) {
          status.textContent = "Thanks, your feedback is saved.";
          form.hidden = true;
          up.disabled = down.disabled = true;
          return;
        }
        status.textContent = await describeFailure(resp);
      } catch (_) {
        status.textContent = "Could not reach the service; try again.";
      }
      send.disabled = false;
    });
    bar.append(up, down, form, status);
    return bar;
  }

  // --- HTTP ----------------------------------------------------------------------------------

  function api(path, body, signal) {
    const headers = { "Content-Type": "application/json", Accept: "application/json, text/event-stream" };
    const key = localStorage.getItem(KEY_STORE);
    if (key) headers.Authorization = `Bearer ${key}`;
    return fetch(path, { method: "POST", headers, body: JSON.stringify(body), signal });
  }

  async function errorOf(resp) {
    try {
      const body = await resp.json();
      return body.error || { code: "http_error", message: resp.statusText };
    } catch (_) {
      return { code: "http_error", message: `HTTP ${resp.status}` };
    }
  }

  async function describeFailure(resp, error) {
    const err = error || (await errorOf(resp));
    if (resp.status === 429) {
      const wait = resp.headers.get("Retry-After");
      return `Too many requests: please wait ${wait ? `${wait} s` : "a moment"} and try again.`;
    }
    if (resp.status === 401) return "The API key was refused.";
    if (resp.status === 403) return `This API key may not do that: ${err.message}`;
    if (resp.status >= 500) return `The service had a problem (${err.code}): ${err.message}`;
    return err.message || `Request failed (HTTP ${resp.status}).`;
  }

  // Server-sent events from a fetch body: blocks of `event:` and `data:` lines.
  async function* events(resp) {
    const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer = (buffer + value).replace(/\r\n?/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = "message";
        const data = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) event = line.slice(6).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
        }
        yield { event, data: data.join("\n") };
      }
    }
  }

  function requestKey(reason) {
    const form = $("key-form");
    form.hidden = false;
    const error = $("key-error");
    error.hidden = !reason;
    error.textContent = reason || "";
    $("key-input").focus();
    return new Promise((resolve) => state.keyWaiters.push(resolve));
  }

  async function ask(question) {
    const turn = new Turn(question);
    const controller = new AbortController();
    state.controller = controller;
    let resp;
    let sessionRetried = false;
    try {
      for (;;) {
        const body = { message: question, stream: true };
        if (state.sessionId) body.session_id = state.sessionId;
        resp = await api("/v1/chat", body, controller.signal);
        if (resp.status === 401) {
          localStorage.removeItem(KEY_STORE);
          const err = await errorOf(resp);
          await requestKey(err.message);
          continue;
        }
        if (resp.status === 404 && state.sessionId && !sessionRetried) {
          const err = await errorOf(resp);
          if (err.code === "session_not_found") {
            state.sessionId = null; // expired or unknown: carry on in a new session
            sessionRetried = true;
            continue;
          }
          turn.fail(await describeFailure(resp, err));
          return;
        }
        break;
      }
      if (!resp.ok) {
        turn.fail(await describeFailure(resp));
        return;
      }
      let finished = false;
      for await (const { event, data } of events(resp)) {
        if (event === "delta") {
          turn.delta(JSON.parse(data).text);
        } else if (event === "answer") {
          const response = JSON.parse(data);
          state.sessionId = response.session_id; // the server's id, kept for follow-ups
          turn.finish(response);
          finished = true;
        } else if (event === "error") {
          const err = JSON.parse(data).error || {};
          turn.fail(`The answer failed: ${err.message || "unknown error"}`, err.code);
          finished = true;
        }
      }
      if (!finished) turn.fail("The answer was cut off; please ask again.");
    } catch (exc) {
      if (exc.name === "AbortError") turn.fail("Stopped.");
      else turn.fail("Could not reach the service. Check your connection and try again.");
    } finally {
      if (state.controller === controller) state.controller = null;
    }
  }

  // --- page wiring ---------------------------------------------------------------------------

  async function loadConfig() {
    try {
      const resp = await fetch("/v1/chains", { headers: { Accept: "application/json" } });
      if (!resp.ok) return;
      const body = await resp.json();
      state.config.chains = Object.fromEntries(body.chains.map((c) => [c.name, c]));
      state.chainPatterns = chainPatterns(body.chains);
      state.config.defaultChain = body.default_chain;
      state.config.requireKey = body.require_api_key;
    } catch (_) {
      // Defaults: no explorer links, no key asked for until a request is refused.
    }
  }

  function newChat() {
    state.controller?.abort();
    state.sessionId = null;
    state.turns = 0;
    $("log").replaceChildren(
      el("p", { class: "hint", id: "empty-hint", text: "New chat. Ask about a protocol, an event, or paste a contract address." }),
    );
    $("question").focus();
  }

  async function onSubmit(event) {
    event.preventDefault();
    const input = $("question");
    const question = input.value.trim();
    if (!question || state.controller) return;
    input.value = "";
    $("send").disabled = true;
    try {
      await ask(question);
    } finally {
      $("send").disabled = false;
      input.focus();
    }
  }

  async function start() {
    $("ask").addEventListener("submit", onSubmit);
    $("question").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        $("ask").requestSubmit();
      }
    });
    $("new-chat").addEventListener("click", newChat);
    $("key-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const key = $("key-input").value.trim();
      if (!key) return;
      localStorage.setItem(KEY_STORE, key);
      $("key-input").value = "";
      $("key-form").hidden = true;
      for (const resolve of state.keyWaiters.splice(0)) resolve();
    });
    await loadConfig();
    if (state.config.requireKey && !localStorage.getItem(KEY_STORE)) requestKey();
    document.body.dataset.ready = "true";
  }

  start();
})();
