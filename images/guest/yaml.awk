# yaml.awk: flatten a block-style YAML document (the cloud-config / netplan subset) into
#   PATH <TAB> KIND <TAB> VALUE
# one line per node, in document order. KIND is map, seq, str or null; containers have an
# empty VALUE. PATH joins mapping keys with '.' and sequence items by their index from 0:
#   users.0.ssh_authorized_keys.1   write_files.1.content   runcmd.1.2
# VALUE is escaped so that it fits one line: '\' -> '\\', newline -> '\n', tab -> '\t'
# (decode with printf '%b').  Written for busybox awk (also runs under gawk/mawk).
#
# With -v MODE=sh it prints shell assignments instead, to be sourced by sh (no further
# processes needed to read values). Several files can be given, each after P=PREFIX:
#   awk -v MODE=sh -f yaml.awk P=U user-data P=N network-config
# gives, for a path like write_files.0.path (every character outside [A-Za-z0-9_] -> _):
#   U_write_files_0_path='...'       the value (kinds str and null)
#   UK_write_files='seq'             the kind of every node
#   UN_write_files=2                 the number of items of a sequence
#   UC_ethernets='eth0 eth1'         the keys of a mapping, in document order
#
# Supported: block mappings and sequences (also "- key: v" items and sequences at the
# same indent as their key), plain / 'single' / "double" quoted scalars (also spanning
# lines), block scalars | |- |+ > >- >+ (with an indent digit), one-line flow sequences
# and flow mappings ([a, "b c"], {to: x, via: y}), comments, tags (!!str) and anchors
# (&a) are dropped. Not supported: aliases, nested flow collections, complex keys.

function esc(s,   o, i, c, n) {
  o = ""; n = length(s)
  for (i = 1; i <= n; i++) {
    c = substr(s, i, 1)
    if (c == "\\") o = o "\\\\"
    else if (c == "\n") o = o "\\n"
    else if (c == "\t") o = o "\\t"
    else o = o c
  }
  return o
}
function out(p, k, v,   n, par, last, vn) {
  if (MODE != "sh") { print p "\t" k "\t" esc(v); return }
  vn = san(p)
  print CP "K_" vn "='" k "'"
  if (k == "str" || k == "null") print CP "_" vn "=" shq(v)
  if (k == "seq") SEQS[vn] = 1
  n = split(p, parts, ".")
  if (n > 1) {
    last = parts[n]; par = substr(p, 1, length(p) - length(last) - 1)
    if (last ~ /^[0-9]+$/) { if (last + 1 > CNT_[san(par)]) CNT_[san(par)] = last + 1 }
    else CHILD[san(par)] = CHILD[san(par)] (CHILD[san(par)] == "" ? "" : " ") last
  } else CHILD[""] = CHILD[""] (CHILD[""] == "" ? "" : " ") p
}
function san(p,   o, i, c) {
  o = ""
  for (i = 1; i <= length(p); i++) { c = substr(p, i, 1); o = o (c ~ /[A-Za-z0-9_]/ ? c : "_") }
  return o
}
function shq(s,   n, i, o, a) {
  n = split(s, a, "'"); o = "'" a[1]
  for (i = 2; i <= n; i++) o = o "'\\''" a[i]
  return o "'"
}
function finish(   k) {
  if (inblock) flushblock()
  if (held) flushheld()
  if (pend) { pend = 0; out(ppath, "null", "") }
  if (MODE == "sh") {
    for (k in SEQS) print CP "N_" k "=" (CNT_[k] + 0)
    for (k in CHILD) print CP "C_" k "=" shq(CHILD[k])
    split("", SEQS); split("", CNT_); split("", CHILD)
  }
}
function reset() { d = 0; KINDS[0] = "map"; PATHS[0] = ""; INDS[0] = -1; pend = 0; held = 0; inblock = 0; started = 0; CP = P }
function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
function join(a, b) { return a == "" ? b : a "." b }

# strip a comment that starts with '#' at the beginning or after a blank, outside quotes
function stripc(s,   i, n, c, q, prev) {
  n = length(s); q = ""; prev = " "
  for (i = 1; i <= n; i++) {
    c = substr(s, i, 1)
    if (q != "") {
      if (q == "\"" && c == "\\") { i++; prev = "x"; continue }
      if (q == "'" && c == "'" && substr(s, i + 1, 1) == "'") { i++; prev = "x"; continue }
      if (c == q) q = ""
    } else if (c == "#" && (prev == " " || prev == "\t")) {
      return substr(s, 1, i - 1)
    } else if ((c == "\"" || c == "'") && (prev == " " || prev == "\t" || prev == "[" || prev == "{" || prev == ",")) {
      q = c
    }
    prev = c
  }
  return s
}

# decode a double-quoted body (without the quotes)
function dq(s,   o, i, n, c, d, h) {
  o = ""; n = length(s)
  for (i = 1; i <= n; i++) {
    c = substr(s, i, 1)
    if (c != "\\" || i == n) { o = o c; continue }
    i++; d = substr(s, i, 1)
    if (d == "n") o = o "\n"
    else if (d == "t") o = o "\t"
    else if (d == "r") o = o "\r"
    else if (d == "0") o = o ""
    else if (d == "e") o = o "\033"
    else if (d == "a") o = o "\007"
    else if (d == "b") o = o "\b"
    else if (d == " ") o = o " "
    else if (d == "x") { h = substr(s, i + 1, 2); i += 2; o = o sprintf("%c", hex(h)) }
    else o = o d   # \\ \" \/ and anything else: the character itself
  }
  return o
}
function hex(h,   v, i, c) {
  v = 0; h = tolower(h)
  for (i = 1; i <= length(h); i++) { c = index("0123456789abcdef", substr(h, i, 1)); if (c == 0) break; v = v * 16 + c - 1 }
  return v
}

# scalar text (already trimmed, comment stripped) -> value; sets KIND
function scalar(v,   q) {
  v = trim(v)
  while (v ~ /^(![^ ]*|&[^ ]+)( |$)/) { sub(/^[^ ]+ */, "", v) }   # tags, anchors
  KIND = "str"
  if (v == "" || v == "~" || v == "null" || v == "Null" || v == "NULL") { KIND = "null"; return "" }
  q = substr(v, 1, 1)
  if (q == "'" && length(v) >= 2 && substr(v, length(v), 1) == "'") {
    v = substr(v, 2, length(v) - 2); gsub(/''/, "'", v); return v
  }
  if (q == "\"" && length(v) >= 2 && substr(v, length(v), 1) == "\"") return dq(substr(v, 2, length(v) - 2))
  return v
}

# is the (trimmed) quoted text unterminated?
function openquote(v,   q, i, n, c) {
  q = substr(v, 1, 1)
  if (q != "'" && q != "\"") return 0
  n = length(v)
  for (i = 2; i <= n; i++) {
    c = substr(v, i, 1)
    if (q == "\"" && c == "\\") { i++; continue }
    if (c == q) {
      if (q == "'" && substr(v, i + 1, 1) == "'") { i++; continue }
      return 0
    }
  }
  return 1
}

# split "key: rest" -> KEY, REST; returns 1 when t is a mapping entry
function splitkey(t,   q, i, n, c, k) {
  q = substr(t, 1, 1)
  if (q == "'" || q == "\"") {
    n = length(t)
    for (i = 2; i <= n; i++) {
      c = substr(t, i, 1)
      if (q == "\"" && c == "\\") { i++; continue }
      if (c == q) break
    }
    if (i > n) return 0
    k = substr(t, 1, i); c = substr(t, i + 1)
    if (c !~ /^[ \t]*:([ \t]|$)/) return 0
    KEY = scalar(k); sub(/^[ \t]*:/, "", c); REST = trim(c); return 1
  }
  if (q == "-" && t ~ /^-([ \t]|$)/) return 0
  if (q == "[" || q == "{" || q == "|" || q == ">" || q == "#") return 0
  if (match(t, /:([ \t]|$)/) == 0) return 0
  KEY = trim(substr(t, 1, RSTART - 1)); REST = trim(substr(t, RSTART + 1))
  return 1
}

# split a one-line flow collection body into FI[1..FN] at top-level commas
function flowsplit(s,   i, n, c, q, cur) {
  FN = 0; n = length(s); q = ""; cur = ""
  for (i = 1; i <= n; i++) {
    c = substr(s, i, 1)
    if (q != "") {
      cur = cur c
      if (q == "\"" && c == "\\") { i++; cur = cur substr(s, i, 1); continue }
      if (c == q) q = ""
      continue
    }
    if (c == "\"" || c == "'") { q = c; cur = cur c; continue }
    if (c == ",") { FI[++FN] = trim(cur); cur = ""; continue }
    cur = cur c
  }
  cur = trim(cur); if (cur != "" || FN > 0) FI[++FN] = cur
  if (FN > 0 && FI[FN] == "") FN--   # trailing comma
}

# value text of a key or item: scalar, flow collection, block scalar or nothing (pending)
function value(p, v, ownind,   i, body, j) {
  if (v == "") { pend = 1; ppath = p; pind = ownind; return }
  if (v ~ /^[|>][-+0-9]*$/) {
    inblock = 1; bpath = p; bind = ownind; bstyle = substr(v, 1, 1); bchomp = "";
    if (v ~ /-/) bchomp = "-"; else if (v ~ /\+/) bchomp = "+"
    bcind = 0; if (match(v, /[1-9]/)) bcind = ownind + substr(v, RSTART, 1)
    nb = 0; return
  }
  if (v ~ /^\[.*\]$/) {
    out(p, "seq", ""); flowsplit(substr(v, 2, length(v) - 2))
    for (i = 1; i <= FN; i++) { body = scalar(FI[i]); out(p "." (i - 1), KIND, body) }
    return
  }
  if (v ~ /^\{.*\}$/) {
    out(p, "map", ""); flowsplit(substr(v, 2, length(v) - 2))
    for (i = 1; i <= FN; i++) {
      if (splitkey(FI[i])) { body = scalar(REST); out(p "." KEY, KIND, body) }
    }
    return
  }
  # plain or quoted scalar: hold it, it may continue on the next lines
  held = 1; hpath = p; htext = v; hind = ownind
}

function flushheld(   v) {
  if (!held) return
  held = 0; v = scalar(htext); out(hpath, KIND, v)
}

function flushblock(   i, s, last, o, sep, prevmore) {
  inblock = 0
  # drop trailing blank lines (kept for |+ / >+)
  last = nb; while (last > 0 && BL[last] ~ /^[ \t]*$/) last--
  o = ""
  for (i = 1; i <= last; i++) {
    s = BL[i]
    if (s ~ /^[ \t]*$/) s = ""; else s = substr(s, bcind + 1)
    if (bstyle == "|") { o = o s "\n"; continue }
    # folded: lines joined by a space, blank lines become newlines, more-indented kept
    if (s == "") { o = o "\n"; prevmore = 0; continue }
    if (i > 1 && o != "" && substr(o, length(o), 1) != "\n" && s !~ /^[ \t]/ && !prevmore) o = o " " s
    else o = o s
    prevmore = (s ~ /^[ \t]/)
    if (prevmore) o = o "\n"
  }
  if (bstyle == ">" && o != "" && substr(o, length(o), 1) != "\n") o = o "\n"
  if (bchomp == "-") sub(/\n+$/, "", o)
  else if (bchomp == "+") { for (i = last + 1; i <= nb; i++) o = o "\n" }
  else if (o != "") sub(/\n+$/, "\n", o)
  out(bpath, "str", o)
}

function push(k, p, i) { d++; KINDS[d] = k; PATHS[d] = p; INDS[d] = i; CNT[d] = 0; out(p, k, "") }

BEGIN { reset() }

FNR == 1 { if (NR > 1) finish(); reset() }

{
  raw = $0; sub(/\r$/, "", raw)
  if (inblock) {
    match(raw, /^ */); li = RLENGTH
    if (raw ~ /^[ \t]*$/ || li > bind) {
      if (bcind == 0 && raw !~ /^[ \t]*$/) bcind = li
      if (bcind == 0 || li >= bcind || raw ~ /^[ \t]*$/) { BL[++nb] = raw; next }
    }
    flushblock()
  }
  if (held && openquote(trim(htext))) { htext = htext " " trim(raw); next }
  line = stripc(raw)
  if (line ~ /^[ \t]*$/) next
  if (line ~ /^(---|\.\.\.)([ \t]|$)/ || line ~ /^%/) next
  match(line, /^ */); ind = RLENGTH; t = trim(line)
  if (held) {
    if (ind > hind) { htext = htext " " t; next }   # plain multi-line scalar
    flushheld()
  }
  isdash = (t ~ /^-([ \t]|$)/)

  if (pend) {
    pend = 0
    if (isdash && ind >= pind) push("seq", ppath, ind)
    else if (!isdash && ind > pind) push("map", ppath, ind)
    else out(ppath, "null", "")
  }
  while (d > 0 && (ind < INDS[d] || (ind == INDS[d] && KINDS[d] == "seq" && !isdash))) d--
  if (!started) { started = 1; INDS[0] = ind }

  # a line may open several nested levels: "- - x", "- key: v"
  while (1) {
    if (isdash) {
      if (KINDS[d] != "seq" || INDS[d] != ind) {
        # sequence directly under a container without a key: not valid here, ignore line
        next
      }
      ip = PATHS[d] "." CNT[d]; CNT[d]++
      rest = t; sub(/^-[ \t]*/, "", rest)
      if (rest == "") { pend = 1; ppath = ip; pind = ind; next }
      nind = ind + (length(t) - length(rest))
      if (rest ~ /^-([ \t]|$)/) { push("seq", ip, nind); ind = nind; t = rest; continue }
      if (splitkey(rest)) { push("map", ip, nind); ind = nind; t = rest; isdash = 0; continue }
      value(ip, rest, ind)
      next
    }
    if (KINDS[d] != "map") next
    if (!splitkey(t)) next
    value(join(PATHS[d], KEY), REST, ind)
    next
  }
}

END { finish() }
