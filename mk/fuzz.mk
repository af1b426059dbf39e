# Fuzzing with libFuzzer (clang), included by the Makefile.
#
#   make fuzz                  build every tests/fuzz/fuzz_*.c into build/fuzz/
#   make fuzz-run              run each target FUZZ_SECONDS (default 30) from
#                              its seed corpus tests/fuzz/corpus/<name>/
#                              (fuzz_h1 -> corpus/h1); new inputs go to
#                              build/fuzz/corpus-<name>/, crashes to
#                              build/fuzz/crash-<name>-*; fails on a crash;
#                              FUZZ_SECONDS_<target>=N gives one target N s
#
# Sources. Each target links only the sources it names in FUZZ_SRCS_<target>
# below, compiled with clang and the fuzzing instrumentation: parsers of
# untrusted bytes need little or no runtime, and the whole library does not
# build with clang (gcc __atomic builtins on _Atomic objects). A new target
# adds its line here; without one its build stops with a message saying so.

# Included anywhere in the Makefile, this file must not become the default
# goal: the goal in force before it is restored at the end.
FUZZ_SAVED_GOAL := $(.DEFAULT_GOAL)

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 30
FUZZ_BUILD   := build/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_BASE    := -std=gnu11 -g -O1 -fno-omit-frame-pointer -pthread -fno-strict-aliasing \
                -Iinclude -D_GNU_SOURCE -DTG_SANITIZER
FUZZ_CFLAGS  := $(FUZZ_BASE) -Wall -Wextra -Werror -Wno-unused-parameter \
                -fsanitize=fuzzer $(FUZZ_SAN)
FUZZ_LDLIBS  := -pthread -lm

FUZZ_SRCS_fuzz_h1           := src/http/h1.c src/http/h1_chunk.c
FUZZ_SRCS_fuzz_addr         := src/net/addr.c src/core/errmsg.c
FUZZ_SRCS_fuzz_cfg_lexer    := src/cfg/lexer.c
FUZZ_SRCS_fuzz_stktable_def := src/table/stktable_def.c
FUZZ_SRCS_fuzz_http_msg     := src/http/h1.c src/http/h1_chunk.c src/http/http_msg.c
FUZZ_SRCS_fuzz_tls_hello    := src/net/tls_hello.c
FUZZ_SRCS_fuzz_check_proto  := src/proxy/check_proto.c
FUZZ_SRCS_fuzz_fix          := src/net/fix.c
FUZZ_SRCS_fuzz_mqtt         := src/net/mqtt.c
FUZZ_SRCS_fuzz_uri_norm     := src/http/uri_norm.c
FUZZ_SRCS_fuzz_lb_key       := src/proxy/lb_key.c
FUZZ_SRCS_fuzz_proxy_proto  := src/net/proxy_proto.c
FUZZ_SRCS_fuzz_check_agent  := src/proxy/check_agent.c
FUZZ_SRCS_fuzz_stktable_state := src/table/stktable_state_fmt.c src/table/stktable_def.c
FUZZ_SRCS_fuzz_peer_msg     := src/peers/peer_msg.c src/table/stktable_def.c
FUZZ_SRCS_fuzz_dns         := src/net/dns.c
FUZZ_SRCS_fuzz_syslog      := src/net/syslog.c
FUZZ_SRCS_fuzz_json        := src/net/json.c
FUZZ_SRCS_fuzz_rdp         := src/net/rdp.c
FUZZ_SRCS_fuzz_lang        := src/rules/conv_lang.c
FUZZ_SRCS_fuzz_distcc      := src/net/distcc.c
FUZZ_SRCS_fuzz_jwt         := src/net/jwt.c src/net/json.c src/core/base64.c
FUZZ_SRCS_fuzz_h2_conv      := src/mux/h2_fe_conv.c src/http/h1.c src/http/h1_chunk.c
FUZZ_SRCS_fuzz_h2_be        := src/mux/h2_be.c src/mux/h2_be_req.c src/net/buffer.c src/http/h1.c src/http/h1_chunk.c src/http/http_msg.c
# libraries a target needs beyond FUZZ_LDLIBS (not instrumented: Debian's)
FUZZ_LDLIBS_fuzz_h2_be      := -lnghttp2 -lssl -lcrypto
FUZZ_LDLIBS_fuzz_h2_conv    := -lnghttp2

FUZZ_TARGETS := $(sort $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%)

# A target and its sources, or a message if it names none.
define FUZZ_TEMPLATE
ifneq ($$(FUZZ_SRCS_$(1)),)
$(FUZZ_BUILD)/$(1): tests/fuzz/$(1).c $$(FUZZ_SRCS_$(1)) $$(wildcard include/tollgate/*.h)
	@mkdir -p $(FUZZ_BUILD)
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) -o $$@ tests/fuzz/$(1).c $$(FUZZ_SRCS_$(1)) $$(FUZZ_LDLIBS) $$(FUZZ_LDLIBS_$(1))
else
$(FUZZ_BUILD)/$(1): tests/fuzz/$(1).c
	@echo "mk/fuzz.mk: fuzz target '$(1)' names no sources: add FUZZ_SRCS_$(1) := <the .c files it needs>" >&2
	@false
endif
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_TEMPLATE,$(t))))

.PHONY: fuzz fuzz-run

fuzz: $(FUZZ_BINS)

fuzz-run: fuzz
	@set -e; for t in $(FUZZ_TARGETS); do \
		name=$${t#fuzz_}; \
		mkdir -p $(FUZZ_BUILD)/corpus-$$name tests/fuzz/corpus/$$name; \
		secs=$$(eval echo \$${FUZZ_SECONDS_$$t:-$(FUZZ_SECONDS)}); \
		echo "=== $$t: $$secs s from tests/fuzz/corpus/$$name"; \
		$(FUZZ_BUILD)/$$t -max_total_time=$$secs -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_BUILD)/crash-$$name- \
			$(FUZZ_BUILD)/corpus-$$name tests/fuzz/corpus/$$name; \
	done

.DEFAULT_GOAL := $(FUZZ_SAVED_GOAL)
