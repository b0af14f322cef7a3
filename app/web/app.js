// The chat page: asks /v1/chat with streaming, renders answers safely, keeps the session id.
"use strict";

(() => {
  const KEY_STORE = "cryptorag.apiKey";
  // A citation [n] or [n, m]; tokens() adds the service's address pattern from /v1/chains.
  const CITATION = String.raw`\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]`;
  let TOKENS = tokens(null);
  // Without the g flag: test() on a global regex moves its lastIndex, which matchAll inherits.
  let HAS_TOKEN = new RegExp(TOKENS.source);
  // Every address in a text, by the same pattern (none until /v1/chains has answered).
  let ANY_ADDRESS = /(?!)/g;

  // Citations, and with the service's pattern (group 2) its addresses: the page finds what the
  // service finds, the pattern written once (app/evm/addresses.py).
  function tokens(addressPattern) {
    return new RegExp(addressPattern ? `${CITATION}|(${addressPattern})` : CITATION, "g");
  }
  const state = {
    sessionId: null, // issued by the server in its first answer; never made up here
    config: { chains: {}, defaultChain: "ethereum", requireKey: false },
    controller: null,
    turns: 0,
    keyWaiters: [],
    chainPatterns: [], // [regex, chain name] from the registry, to read "on Arbitrum 0x…"
  };
  const $ = (id) => document.getElementById(id);

  // --- the page's own words --------------------------------------------------------------------

  // English message -> translation, from the service's catalog (GET /v1/i18n/{language}); the
  // page follows the browser's language, then the language each answer is written in.
  const i18n = { language: "en", messages: {} };

  // A message in the page's language, its {name} placeholders filled from `values`.
  function gettext(message, values = {}) {
    const text = i18n.messages[message] || message;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
  }

  // Marks a message kept in a table, translated where it is shown.
  const N_ = (message) => message;

  async function useLanguage(tag) {
    const language = String(tag || "en").toLowerCase().startsWith("zh") ? "zh" : "en";
    if (language === i18n.language) return;
    try {
      const resp = await fetch(`/v1/i18n/${language}`, { headers: { Accept: "application/json" } });
      if (!resp.ok) return;
      const body = await resp.json();
      Object.assign(i18n, { language: body.language, messages: body.messages || {} });
    } catch {
      return; // the page stays in the language it has
    }
    document.documentElement.lang = i18n.language === "zh" ? "zh-Hans" : "en";
    translatePage();
  }

  // The words index.html writes, in the page's language.
  function translatePage() {
    document.title = gettext("CryptoRAG chat");
    document.querySelector(".tagline").textContent = gettext("answers about crypto protocols and contracts, with sources");
    $("new-chat").textContent = gettext("New chat");
    const hint = $("empty-hint");
    if (hint) hint.replaceChildren(...emptyHint(hint.dataset.fresh ? "New chat. Ask about a protocol, an event, or paste a contract address." : null));
    $("key-form").querySelector("label").replaceChildren(
      gettext("This service needs an API key (scope {scope}). It is kept in this browser only.").split("{scope}")[0],
      el("code", { text: "chat" }),
      gettext("This service needs an API key (scope {scope}). It is kept in this browser only.").split("{scope}")[1] || "",
    );
    $("key-input").placeholder = gettext("API key");
    $("key-form").querySelector("button").textContent = gettext("Save key");
    $("ask").querySelector("label").textContent = gettext("Your question");
    $("question").placeholder = gettext("Ask a question, or paste an address…");
    $("send").textContent = gettext("Send");
  }

  // The first hint, with its example address as code; or a plain one (a new chat's).
  function emptyHint(plain) {
    if (plain) return [gettext(plain)];
    const text = gettext("Ask about a protocol, an event, or paste a contract address (for example {address} on ethereum).");
    const [before, after] = text.split("{address}");
    return [before, el("code", { text: "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48" }), after || ""];
  }

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

  // An address as people read it: 0xA0b8…eB48, the full checksummed one a tap away (its title,
  // its label, a tap shows it whole). The copy button (copying it whole) and the explorer link go
  // on one mention per address in a turn: its card's, or else its first.
  const shortened = (address) => `${address.slice(0, 6)}…${address.slice(-4)}`;

  function addressWidget(address, chain, { link = false, copy = link } = {}) {
    const info = chainInfo(chain || state.config.defaultChain);
    const code = el("code", { text: shortened(address) });
    const reveal = el(
      "button",
      { type: "button", class: "reveal", title: address, "aria-label": gettext("Address {address}, show in full", { address }), "aria-expanded": "false" },
      code,
    );
    const widget = el("span", { class: "addr", "data-address": address }, reveal);
    reveal.addEventListener("click", () => {
      const full = reveal.getAttribute("aria-expanded") !== "true";
      reveal.setAttribute("aria-expanded", String(full));
      code.textContent = full ? address : shortened(address);
      widget.classList.toggle("full", full);
    });
    if (copy) {
      const button = el("button", {
        type: "button",
        class: "copy",
        title: gettext("Copy the full address"),
        "aria-label": gettext("Copy {address}", { address }),
        "data-address": address,
        text: gettext("Copy"),
      });
      button.addEventListener("click", () => copyAddress(button, address, code));
      widget.append(button);
    }
    if (link && info.explorer) {
      widget.append(
        el("a", {
          class: "explorer",
          href: `${info.explorer}/address/${address}`,
          target: "_blank",
          rel: "noopener noreferrer",
          title: gettext("{address} on {chain}'s block explorer", { address, chain: info.label }),
          text: `${info.label} ↗`,
        }),
      );
    }
    return widget;
  }

  async function copyAddress(button, address, code) {
    try {
      await navigator.clipboard.writeText(address);
      button.textContent = gettext("Copied");
    } catch (_) {
      // No clipboard: show the address whole and select it, for the system's own copy.
      button.textContent = gettext("Copy failed");
      code.textContent = address;
      const range = document.createRange();
      range.selectNodeContents(code);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
    }
    setTimeout(() => (button.textContent = gettext("Copy")), 1500);
  }

  // Text nodes only: what the sanitiser let through is never parsed as HTML again. `linked` holds
  // the addresses (lower case) that already have their copy button and explorer link in this
  // turn; with `actions` false (the question as asked) no mention gets them.
  function decorate(root, turn, sourceCount, chainOf, linked = new Set(), actions = true) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const found = [];
    while (walker.nextNode()) {
      const node = walker.currentNode;
      if (node.parentElement?.closest("a") || !HAS_TOKEN.test(node.nodeValue)) continue;
      // The text before the node in its block, read before any widget (with its chain label)
      // is inserted: "on Arbitrum `0x…`" names the chain of an address in a code span.
      found.push([node, textBefore(node, root), textAfter(node, root)]);
    }
    for (const [node, before, after] of found) {
      const inCode = Boolean(node.parentElement?.closest("code, pre"));
      const text = node.nodeValue;
      const out = document.createDocumentFragment();
      let last = 0;
      for (const match of text.matchAll(TOKENS)) {
        out.append(text.slice(last, match.index));
        last = match.index + match[0].length;
        if (match[2]) {
          const chain =
            chainOf(match[2]) ||
            chainNamedAfter(text.slice(last) + after) ||
            chainNamedBefore(before + text.slice(0, match.index));
          const key = match[2].toLowerCase();
          out.append(addressWidget(match[2], chain, { link: actions && !linked.has(key) }));
          if (actions) linked.add(key);
        } else {
          out.append(citations(match[0], match[1], turn, sourceCount, inCode));
        }
      }
      out.append(text.slice(last));
      node.replaceWith(out);
    }
  }

  const BLOCKS = "p, li, td, th, dd, dt, blockquote, h1, h2, h3, h4, h5, h6";

  function textBefore(node, root) {
    const block = node.parentElement?.closest(BLOCKS);
    if (!block || !root.contains(block)) return "";
    const range = document.createRange();
    range.setStart(block, 0);
    range.setEnd(node, 0);
    return range.toString();
  }

  function textAfter(node, root) {
    const block = node.parentElement?.closest(BLOCKS);
    if (!block || !root.contains(block)) return "";
    const range = document.createRange();
    range.setStartAfter(node);
    range.setEnd(block, block.childNodes.length);
    return range.toString();
  }

  // The chain named right after an address: "**0x…** on Base: …".
  function chainNamedAfter(text) {
    const lead = /^[\s*_`)\]]*(?:on|in) /i.exec(text);
    if (!lead) return null;
    const head = text.slice(0, lead[0].length + 40);
    for (const [pattern, name] of state.chainPatterns) {
      for (const match of head.matchAll(pattern)) {
        if (match.index === lead[0].length) return name;
      }
    }
    return null;
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

  // The service's own patterns of each chain's names (app/evm/chains.py): aliases in any case,
  // ordinary words ("base") only capitalised or after "on"/"in".
  function chainPatterns(chains) {
    const out = [];
    for (const c of chains) {
      if (c.names_pattern) out.push([new RegExp(c.names_pattern, "gi"), c.name]);
      if (c.words_pattern) out.push([new RegExp(c.words_pattern, "g"), c.name]);
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
    curated: N_("curated token list"),
    operator: N_("operator's folder"),
    onchain: N_("live on-chain read"),
    fetched: N_("fetched feed or page"),
  };

  // The sources by their numbers in the answer (1-based), each keeping its number.
  function sourcesList(turn, sources, numbers, label, open = true) {
    const list = el("ol", { class: "sources" });
    for (const n of numbers) {
      const s = sources[n - 1];
      const title = s.title || s.source;
      const item = el("li", { id: `t${turn}-s${n}`, value: n });
      item.append(isHttp(s.url) ? externalLink(s.url, title) : el("span", { text: title }));
      if (s.source && s.source !== s.url && s.source !== title) {
        item.append(" ", el("span", { class: "source-path", text: s.source }));
      }
      // How far the source is trusted: the curated token list outranks folders and fetched pages.
      if (TRUST_LABELS[s.trust]) {
        item.append(" ", el("span", { class: `source-trust trust-${s.trust}`, text: gettext(TRUST_LABELS[s.trust]) }));
      }
      list.append(item);
    }
    return el("details", { class: "sources-box", open }, el("summary", { text: `${label} (${numbers.length})` }), list);
  }

  // The source numbers an answer cites, in order, each once.
  function citedNumbers(text, sourceCount) {
    const out = new Set();
    for (const match of text.matchAll(/\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]/g)) {
      for (const n of match[1].split(",").map((x) => Number(x.trim()))) {
        if (n >= 1 && n <= sourceCount) out.add(n);
      }
    }
    return [...out];
  }

  function row(label, ...value) {
    return [el("dt", { text: label }), el("dd", {}, ...value)];
  }

  // A token amount in whole units ("1,000,000"), from base units and decimals; null if unreadable.
  function wholeUnits(raw, decimals) {
    try {
      const value = BigInt(raw);
      const unit = 10n ** BigInt(decimals);
      let text = (value / unit).toLocaleString("en-US");
      const rest = value % unit;
      if (rest) text += `.${rest.toString().padStart(Number(decimals), "0").replace(/0+$/, "").slice(0, 6)}`;
      return text;
    } catch (_) {
      return null;
    }
  }

  // Who stands behind an address that can upgrade a proxy (an admin or beacon contract's owner),
  // from the turn's other reads; what kind of account that is, its own card says.
  function accountNote(address, ctx) {
    const held = ctx.facts.get(address.toLowerCase());
    if (held?.account_type !== "contract" || !held.owner) return [];
    return [gettext(" · owned by "), ctx.widget(held.owner, held.chain)];
  }

  // One card per address read on-chain. `ctx`: the turn's reads by address, a widget maker that
  // links each address to its explorer once, whether the card is folded (an address the
  // question did not name, read because it holds a role) and how many warnings it has above.
  function contractCard(f, ctx) {
    const info = chainInfo(f.chain);
    const kind = { contract: gettext("contract"), eoa: gettext("wallet (no code)"), empty: gettext("nothing deployed") }[f.account_type] || f.account_type;
    const rows = [];
    if (f.standards?.length) rows.push(...row(gettext("Standards"), f.standards.map((s) => s.toUpperCase()).join(", ")));
    if (f.token) {
      const t = f.token;
      const bits = [t.name ? `${t.name}` : gettext("no name"), t.symbol ? `(${t.symbol})` : gettext("(no symbol)")];
      if (t.decimals !== null && t.decimals !== undefined) bits.push(gettext("· {decimals} decimals", { decimals: t.decimals }));
      const whole = t.total_supply && t.decimals !== null && t.decimals !== undefined ? wholeUnits(t.total_supply, t.decimals) : null;
      if (whole) bits.push(gettext("· supply {supply}", { supply: whole }));
      else if (t.total_supply) bits.push(gettext("· supply {supply} base units", { supply: t.total_supply }));
      const title = t.total_supply
        ? gettext("as the contract reports it; supply {supply} base units", { supply: t.total_supply })
        : gettext("as the contract reports it");
      rows.push(...row(gettext("Token"), el("span", { class: "untrusted", title, text: bits.join(" ") })));
    }
    if (f.listed) rows.push(...row(gettext("Listed"), gettext("{name} ({symbol}) on {list}", f.listed)));
    if (f.proxy) {
      const p = f.proxy;
      rows.push(...row(gettext("Proxy"), `${p.standard.toUpperCase()}${p.upgrade ? ` (${p.upgrade})` : ""}`));
      if (p.implementation) rows.push(...row(gettext("Implementation"), ctx.widget(p.implementation, f.chain)));
      if (p.beacon) rows.push(...row(gettext("Beacon"), ctx.widget(p.beacon, f.chain), ...accountNote(p.beacon, ctx)));
      if (p.admin) rows.push(...row(gettext("Admin"), ctx.widget(p.admin, f.chain), ...accountNote(p.admin, ctx)));
    }
    if (f.owner) rows.push(...row(gettext("Owner"), ctx.widget(f.owner, f.chain)));
    if (f.protocol) rows.push(...row(gettext("Protocol"), `${f.protocol.name}${f.protocol.category ? ` (${f.protocol.category})` : ""}`));
    const head = el(
      "div",
      { class: "card-head" },
      addressWidget(f.address, f.chain, { link: true }),
      el("span", { class: "chain", text: info.label }),
      el("span", { class: "kind", text: kind }),
      el("span", { class: "block", text: gettext("block {block}", { block: f.block_number }) }),
    );
    if (ctx.warned) {
      const above = ctx.warned === 1 ? gettext("⚠ a warning above") : gettext("⚠ {count} warnings above", { count: ctx.warned });
      head.append(el("span", { class: "warned-mark", text: above }));
    }
    const label = gettext("On-chain facts of {address}", { address: f.address });
    const card = ctx.folded
      ? el("details", { class: "card folded", "aria-label": label }, el("summary", {}, head))
      : el("section", { class: "card", "aria-label": label }, head);
    if (ctx.id) card.id = ctx.id;
    if (ctx.warned) card.classList.add("warned");
    if (rows.length) card.append(el("dl", {}, ...rows));
    const checks = checksBox(f, ctx);
    if (checks) card.append(checks);
    return card;
  }

  // One card per transaction the question named: status, who called what, what moved, what was
  // approved (flagged when it looks like a drainer's), why it failed; the answer explains it.
  function transactionCard(t, ctx) {
    const info = chainInfo(t.chain);
    const status = { success: gettext("succeeded"), failed: gettext("failed"), pending: gettext("pending") }[t.status] || t.status;
    const rows = [];
    rows.push(...row(gettext("From"), ctx.widget(t.from, t.chain)));
    if (t.to) rows.push(...row(gettext("To"), ctx.widget(t.to, t.chain)));
    if (t.contract_created) rows.push(...row(gettext("Created"), ctx.widget(t.contract_created, t.chain)));
    const fn = t.call.function || (t.call.selector ? gettext("unknown function {selector}", { selector: t.call.selector }) : null);
    if (fn) rows.push(...row(gettext("Function"), el("code", { text: fn })));
    for (const m of (t.token_movements || []).slice(0, 10)) {
      const token = m.symbol || m.token;
      const what = m.token_id !== null && m.token_id !== undefined ? `${m.standard === "erc1155" ? `${m.amount} × ` : ""}${token} #${m.token_id}` : `${m.amount_display} ${token}`;
      rows.push(...row(gettext("Moved"), el("span", { class: "untrusted", text: `${what} ` }), ctx.widget(m.from, t.chain), " → ", ctx.widget(m.to, t.chain)));
    }
    for (const a of (t.approvals || []).slice(0, 10)) {
      const token = a.symbol || a.token;
      const amount = a.unlimited ? gettext("unlimited") : a.amount_display || (a.token_id ? `#${a.token_id}` : "");
      const value = [el("span", { class: "untrusted", text: `${amount} ${token} ` }), "→ ", ctx.widget(a.spender, t.chain)];
      if (a.risky) value.push(el("strong", { class: "risk", text: gettext(" ⚠ a key or an unknown contract") }));
      rows.push(...row(gettext("Approved"), ...value));
    }
    if (t.revert) {
      const where = gettext("frame {frame}", { frame: t.revert.frame || "0" });
      rows.push(...row(gettext("Reverted"), el("span", { class: "untrusted", text: `${t.revert.reason} (${where})` })));
    }
    if (t.fee) rows.push(...row(gettext("Fee"), `${wholeUnits(t.fee, 18) || t.fee} ${t.native_symbol}`));
    if (t.trace === "unavailable") rows.push(...row(gettext("Not seen"), gettext("inner calls: the node gave no call trace")));
    const head = el("div", { class: "card-head" }, el("code", { class: "tx-hash", title: t.hash, text: `${t.hash.slice(0, 10)}…${t.hash.slice(-8)}` }));
    if (info.explorer) {
      head.append(el("a", { class: "explorer", href: `${info.explorer}/tx/${t.hash}`, target: "_blank", rel: "noopener noreferrer", text: gettext("explorer") }));
    }
    head.append(
      el("span", { class: "chain", text: info.label }),
      el("span", { class: "kind", text: status }),
      el("span", { class: "block", text: t.block_number !== null ? gettext("block {block}", { block: t.block_number }) : "" }),
    );
    const card = el("section", { class: "card tx", "aria-label": gettext("Transaction {hash}", { hash: t.hash }) }, head);
    if (t.status === "failed" || (t.approvals || []).some((a) => a.risky)) card.classList.add("warned");
    card.append(el("dl", {}, ...rows));
    return card;
  }

  // Token-risk checks: found risks in red, reassuring finds plainly, then what was checked and
  // found nothing, then what could not be checked. A lookalike is already among the warnings.
  function checksBox(f, ctx) {
    const checks = (f.checks || []).filter((c) => c.id !== "lookalike" || c.status !== "found");
    if (!checks.length) return null;
    const box = el("div", { class: "checks", "aria-label": gettext("Checks read at block {block}", { block: f.block_number }) });
    const found = (risk) => checks.filter((c) => c.status === "found" && c.risk === risk);
    if (found(true).length) {
      const list = el("ul", { class: "check-risks" }, ...found(true).map((c) => el("li", { "data-check": c.id, text: c.summary })));
      ctx.decorate(list, f.chain);
      box.append(list);
    }
    if (found(false).length) {
      const list = el("ul", { class: "check-also" }, ...found(false).map((c) => el("li", { "data-check": c.id, text: c.summary })));
      ctx.decorate(list, f.chain);
      box.append(list);
    }
    const named = (status) => checks.filter((c) => c.status === status);
    if (named("not_found").length) {
      const names = named("not_found").map((c) => c.name).join(", ");
      box.append(el("p", { class: "check-absent", text: gettext("Checked, not found: {names}", { names }) }));
    }
    if (named("unknown").length) {
      const items = named("unknown").map((c) => el("li", { "data-check": c.id, text: `${c.name}: ${c.summary}` }));
      const list = el("ul", {}, ...items);
      ctx.decorate(list, f.chain);
      const names = named("unknown").map((c) => c.name).join(", ");
      box.append(el("details", { class: "check-unknown" }, el("summary", { text: gettext("Could not be checked: {names}", { names }) }), list));
    }
    return box;
  }

  // --- saying each thing once ------------------------------------------------------------------

  // "Warning:" in English, and as the page's catalog writes it (an answer's language is the page's).
  const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  function warningLine() {
    const prefix = escapeRegExp(gettext("Warning: {warning}").split("{")[0].trim());
    return new RegExp(`^\\s*(?:warning:|${prefix})\\s*`, "i");
  }

  // The words of a text without its hex strings, for comparing what two texts say; each Han
  // character is a word of its own (Chinese is written without spaces), as in app/core/said.py.
  function words(text) {
    return text.replace(/0x[0-9a-z]*/gi, " ").toLowerCase().match(/[a-z0-9%]+|[\u3400-\u4dbf\u4e00-\u9fff]/g) || [];
  }

  function trigrams(text) {
    const w = words(text);
    const out = new Set();
    for (let i = 0; i + 3 <= w.length; i++) out.add(w.slice(i, i + 3).join(" "));
    return out;
  }

  // Whether the answer already says what a notice says (most of its word runs are in it).
  function alreadySaid(notice, said) {
    const own = [...trigrams(notice)];
    return own.length > 0 && own.filter((t) => said.has(t)).length / own.length >= 0.6;
  }

  const warningKey = (text) => words(text.replace(warningLine(), "")).join(" ");

  // The [n] numbers of a list item's own text (not its nested lists').
  function itemCitations(item) {
    let text = "";
    for (const node of item.childNodes) if (!["UL", "OL"].includes(node.nodeName)) text += node.textContent;
    return [...text.matchAll(/\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]/g)].flatMap((m) => m[1].split(",").map((n) => Number(n.trim())));
  }

  // The address a list's block is about: the first one in the paragraph that heads it.
  function blockAddress(list) {
    const head = list.previousElementSibling;
    return head?.nodeName === "P" ? (head.textContent.match(ANY_ADDRESS) || [null])[0] : null;
  }

  // The extractive answer's address blocks restate what the cards show: a line citing only
  // on-chain reads that have a card (and the uncited line that continues them) is the card's
  // to say. "Warning:" lines are lifted out, to be listed once above the answer.
  function tidyAnswer(fragment, carded, extractive) {
    const lifted = [];
    for (const list of fragment.querySelectorAll("ul, ol")) {
      const subject = blockAddress(list);
      let previousCovered = false;
      for (const item of [...list.children]) {
        const text = item.textContent.trim();
        if (warningLine().test(text)) {
          const warning = text.replace(warningLine(), "");
          const named = subject && !warning.toLowerCase().includes(subject.toLowerCase());
          lifted.push(named ? `${subject}: ${warning}` : warning);
          item.remove();
          continue;
        }
        const cites = itemCitations(item);
        const covered = extractive && (cites.length ? cites.every((n) => carded.has(n)) : previousCovered);
        if (covered) item.remove();
        previousCovered = covered;
      }
      if (!list.children.length) list.remove();
    }
    return lifted;
  }

  // --- one question and its answer -------------------------------------------------------------

  class Turn {
    constructor(question) {
      this.n = ++state.turns;
      this.question = question;
      this.text = "";
      this.pending = false;
      $("empty-hint")?.remove();
      this.body = el("div", { class: "answer-body" }, el("p", { class: "typing", text: gettext("Thinking…") }));
      const asked = el("div", { class: "msg user", text: question });
      decorate(asked, this.n, 0, () => null, new Set(), false); // shortened, a tap shows it whole
      this.node = el("article", { class: "turn", "data-turn": this.n }, asked, el("div", { class: "msg bot" }, this.body));
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

    // Laid out as a person reads it: what must not be missed, the answer, the cards of what was
    // read on-chain, the sources the answer cites.
    finish(response) {
      this.response = response;
      this.text = response.answer;
      this.settled = true; // a late animation frame must not redraw the streamed draft
      this.body.classList.remove("streaming");
      const sources = response.sources || [];
      const onchain = response.onchain || [];
      const transactions = response.transactions || [];
      const facts = new Map(onchain.map((f) => [f.address.toLowerCase(), f]));
      const chainOf = (a) => facts.get(a.toLowerCase())?.chain || null;
      // On-chain sources shown as cards: [n] links to the card, not to a list entry. A
      // transaction's stays a source: its explanation, fact by fact with the evidence, is the
      // answer, and its card only sums it up.
      const cardOf = new Map(onchain.map((f) => [`${f.chain}:${f.address}`.toLowerCase(), f]));
      const cardSource = new Map();
      sources.forEach((s, i) => {
        const f = s.trust === "onchain" && cardOf.get(String(s.source).toLowerCase());
        if (f && !cardSource.has(f)) cardSource.set(f, i + 1);
      });
      const carded = new Set(cardSource.values());

      const fragment = renderMarkdown(response.answer);
      const lifted = tidyAnswer(fragment, carded, response.mode === "extractive");
      this.body.replaceChildren(fragment);
      const said = trigrams(this.body.textContent);
      const linked = new Set(onchain.map((f) => f.address.toLowerCase())); // linked on their cards
      decorate(this.body, this.n, sources.length, chainOf, linked);

      // Warnings: the answer's, the cards', then the response's notices, each once, named by
      // address; a notice the answer itself already states is not said again.
      const seen = new Set();
      const once = (text) => {
        const key = warningKey(text);
        if (!key || seen.has(key)) return false;
        seen.add(key);
        return true;
      };
      const warnings = lifted.filter(once);
      const warnedCards = new Map();
      for (const f of onchain) {
        for (const w of f.warnings || []) {
          warnedCards.set(f, (warnedCards.get(f) || 0) + 1);
          const text = w.toLowerCase().includes(f.address.toLowerCase()) ? w : `${f.address}: ${w}`;
          if (once(text)) warnings.push(text);
        }
      }
      const notes = (response.warnings || []).filter((w) => once(w) && !alreadySaid(w, said));

      const bot = this.body.parentElement;
      const top = [];
      if (response.answerable === false) {
        // The answer says why; the label says it at a glance.
        bot.classList.add("not-covered");
        top.push(el("p", { class: "notice not-covered", role: "status", text: gettext("Not covered") }));
      }
      if (warnings.length) {
        const list = el("ul", { class: "warnings", role: "alert" }, ...warnings.map((w) => el("li", { text: w })));
        decorate(list, this.n, 0, chainOf, linked);
        top.push(list);
      }
      if (notes.length) {
        const box = el("ul", { class: "notice", role: "status" }, ...notes.map((w) => el("li", { text: w })));
        decorate(box, this.n, 0, chainOf, linked);
        top.push(box);
      }
      this.body.before(...top);

      // Cards: those the question named (or that nothing else points at) open, the rest folded.
      const roles = new Set(
        onchain.flatMap((f) => [f.owner, f.proxy?.admin, f.proxy?.beacon, f.proxy?.implementation].filter(Boolean).map((a) => a.toLowerCase())),
      );
      const asked = this.question.toLowerCase();
      const ctx = {
        facts,
        widget: (address, chain) => {
          const link = !linked.has(address.toLowerCase());
          linked.add(address.toLowerCase());
          return addressWidget(address, chain, { link });
        },
        decorate: (root, chain) => decorate(root, this.n, 0, (a) => chainOf(a) || chain, linked),
      };
      for (const f of onchain) {
        const key = f.address.toLowerCase();
        const folded = roles.has(key) && !asked.includes(key);
        const n = cardSource.get(f);
        bot.append(contractCard(f, { ...ctx, folded, warned: warnedCards.get(f) || 0, id: n ? `t${this.n}-s${n}` : null }));
      }
      for (const t of transactions) bot.append(transactionCard(t, ctx));

      // Sources: the ones the answer cites (on-chain reads are their cards). A declined answer
      // lists none; documents it names are only the nearest, and said to be.
      const cited = citedNumbers(response.answer, sources.length).filter((n) => !carded.has(n));
      if (response.answerable === false) {
        if (sources.length) {
          const all = sources.map((_, i) => i + 1);
          bot.append(sourcesList(this.n, sources, all, gettext("Nearest documents, which do not answer it"), false));
        }
      } else if (cited.length) {
        bot.append(sourcesList(this.n, sources, cited, gettext("Sources")));
      }
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
    const up = el("button", { type: "button", class: "rate", "aria-label": gettext("Good answer"), "aria-pressed": "false", text: "👍" });
    const down = el("button", { type: "button", class: "rate", "aria-label": gettext("Bad answer"), "aria-pressed": "false", text: "👎" });
    const comment = el("input", { type: "text", maxlength: "2000", placeholder: gettext("Comment (optional)"), "aria-label": gettext("Comment") });
    const send = el("button", { type: "submit", text: gettext("Send feedback") });
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
      status.textContent = gettext("Sending…");
      try {
        const resp = await api("/v1/feedback", body);
        if (resp.ok) {
          status.textContent = gettext("Thanks, your feedback is saved.");
          form.hidden = true;
          up.disabled = down.disabled = true;
          return;
        }
        status.textContent = await describeFailure(resp);
      } catch (_) {
        status.textContent = gettext("Could not reach the service; try again.");
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
      return wait
        ? gettext("Too many requests: please wait {seconds} s and try again.", { seconds: wait })
        : gettext("Too many requests: please wait a moment and try again.");
    }
    if (resp.status === 401) return gettext("The API key was refused.");
    if (resp.status === 403) return gettext("This API key may not do that: {message}", err);
    if (resp.status >= 500) return gettext("The service had a problem ({code}): {message}", err);
    return err.message || gettext("Request failed (HTTP {status}).", { status: resp.status });
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
          await useLanguage(response.language); // the page speaks the question's language
          turn.finish(response);
          finished = true;
        } else if (event === "error") {
          const err = JSON.parse(data).error || {};
          turn.fail(gettext("The answer failed: {message}", { message: err.message || gettext("unknown error") }), err.code);
          finished = true;
        }
      }
      if (!finished) turn.fail(gettext("The answer was cut off; please ask again."));
    } catch (exc) {
      if (exc.name === "AbortError") turn.fail(gettext("Stopped."));
      else turn.fail(gettext("Could not reach the service. Check your connection and try again."));
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
      TOKENS = tokens(body.address_pattern);
      HAS_TOKEN = new RegExp(TOKENS.source);
      ANY_ADDRESS = new RegExp(body.address_pattern, "g");
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
      el("p", { class: "hint", id: "empty-hint", "data-fresh": "true", text: gettext("New chat. Ask about a protocol, an event, or paste a contract address.") }),
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
    await Promise.all([loadConfig(), useLanguage(navigator.language)]);
    if (state.config.requireKey && !localStorage.getItem(KEY_STORE)) requestKey();
    document.body.dataset.ready = "true";
  }

  start();
})();
