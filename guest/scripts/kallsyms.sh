#!/bin/sh
# Writes an assembly file holding the guest's text-symbol table (address, size, name), sorted by
# address, for kernel/kallsyms.c. Usage: kallsyms.sh IMAGE.elf|/dev/null OUT.S
# Only text symbols (nm types t, T, w, W) are listed: they all precede the table in the image,
# so adding the table does not move them.
set -e
in="$1"
out="$2"
if [ "$in" = /dev/null ]; then
	listing=""
else
	listing=$(nm -n -S --defined-only "$in" | awk '
		NF == 4 && ($3 == "t" || $3 == "T" || $3 == "w" || $3 == "W") { print $1, $2, $4; next }
		NF == 3 && ($2 == "t" || $2 == "T" || $2 == "w" || $2 == "W") { print $1, "-", $3 }')
fi
printf '%s\n' "$listing" | awk '
	BEGIN { n = 0 }
	NF == 3 { addr[n] = $1; size[n] = $2; name[n] = $3; n++ }
	END {
		print "\t.section .kallsyms,\"a\""
		print "\t.balign 8"
		print "\t.globl kallsyms_num"
		print "kallsyms_num:\n\t.quad " n
		print "\t.globl kallsyms_addresses"
		print "kallsyms_addresses:"
		for (i = 0; i < n; i++) print "\t.quad 0x" addr[i]
		print "\t.globl kallsyms_sizes"
		print "kallsyms_sizes:"
		for (i = 0; i < n; i++) {
			if (size[i] == "-") {
				# no st_size (assembly label): up to the next symbol
				s = (i + 1 < n) ? sprintf("0x%s - 0x%s", addr[i + 1], addr[i]) : "0"
			} else s = "0x" size[i]
			print "\t.long " s
		}
		print "\t.globl kallsyms_name_offsets"
		print "kallsyms_name_offsets:"
		off = 0
		for (i = 0; i < n; i++) { print "\t.long " off; off += length(name[i]) + 1 }
		print "\t.globl kallsyms_names"
		print "kallsyms_names:"
		for (i = 0; i < n; i++) print "\t.asciz \"" name[i] "\""
		print "\t.byte 0"
	}' > "$out"
