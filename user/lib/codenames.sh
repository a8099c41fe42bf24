#!/bin/sh
# Generates the code-name tables (KEY_A, BTN_LEFT, REL_X, ABS_X ...) from the kernel's UAPI
# header, so that export names codes exactly as the kernel does. Where two names share a
# value, the later one is kept (BTN_LEFT over BTN_MOUSE, BTN_0 over BTN_MISC).
set -eu
hdr=${1:-/usr/include/linux/input-event-codes.h}
awk '
function num(s,   v, i) {
	if (s !~ /^0x/)
		return s + 0
	v = 0
	for (i = 3; i <= length(s); i++)
		v = v * 16 + index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
	return v
}
$1 == "#define" && $3 ~ /^(0x[0-9a-fA-F]+|[0-9]+)$/ && $2 !~ /_(MAX|CNT|MIN_INTERESTING)$/ {
	if ($2 ~ /^(KEY|BTN)_/) t = "key"; else if ($2 ~ /^REL_/) t = "rel";
	else if ($2 ~ /^ABS_/) t = "abs"; else next
	v = num($3)
	name[t, v] = $2; seen[t, v] = 1
}
END {
	split("key rel abs", ts, " ")
	for (i = 1; i <= 3; i++) {
		printf "static const char *const %s_names[] = {\n", ts[i]
		for (v = 0; v < 1024; v++)
			if (seen[ts[i], v])
				printf "\t[%d] = \"%s\",\n", v, name[ts[i], v]
		printf "};\n"
	}
}' "$hdr"
