# Reads a NoCloud meta-data or user-data file (the YAML subset cms and cloud-init seeds use) and prints
#   hostname NAME              from `hostname:` (user-data) or `local-hostname:` (meta-data)
#   instance-id ID             from `instance-id:`
#   key LINE                   each item of an `ssh_authorized_keys:` or `public-keys:` list (any indentation)
#   hostkey-ed25519 LINE       each line of the block `ssh_keys:` / `ed25519_private: |` (an OpenSSH private key)
function unquote(v) {
  sub(/^[ \t]+/, "", v); sub(/[ \t\r]+$/, "", v)
  if (v ~ /^".*"$/) { v = substr(v, 2, length(v) - 2); gsub(/\\"/, "\"", v) }
  else if (v ~ /^'.*'$/) { v = substr(v, 2, length(v) - 2); gsub(/''/, "'", v) }
  else sub(/[ \t]+#.*$/, "", v)
  return v
}
function indent(s) { match(s, /^ */); return RLENGTH }
{ sub(/\r$/, "") }
# inside a block scalar: the lines indented deeper than its key
inblock {
  if ($0 ~ /^[ \t]*$/ || indent($0) > blockindent) { line = $0; sub(/^ +/, "", line); if (line != "") print "hostkey-ed25519 " line; next }
  inblock = 0
}
/^[ \t]*(#|$)/ { next }
inlist {
  if ($0 ~ /^ *- / && indent($0) >= listindent) { v = $0; sub(/^ *- +/, "", v); v = unquote(v); if (v != "") print "key " v; next }
  inlist = 0
}
/^ *(ssh_authorized_keys|public-keys): *$/ { inlist = 1; listindent = indent($0); next }
/^ *ed25519_private: *[|>][-+]? *$/ { inblock = 1; blockindent = indent($0); next }
/^(hostname|local-hostname): / { v = $0; sub(/^[^:]*: */, "", v); v = unquote(v); if (v != "") print "hostname " v; next }
/^instance-id: / { v = $0; sub(/^[^:]*: */, "", v); print "instance-id " unquote(v); next }
