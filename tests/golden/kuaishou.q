# Kuaishou 快分销: yes, no, unknown, lists, what-if and what-needed, in English and Chinese.
# Facts files are relative to this file; @as-of keeps the answers stable.
@as-of 2026-11-23
@facts ../../facts/examples/ks_acme_admitted.dl
@facts ../../facts/examples/ks_bolt_failing.dl
@facts ../../facts/examples/ks_cove_missing.dl

can store acme join kuaishou distribution?
ks_c3_experience_stars_ok(bolt)
why can't bolt join kuaishou distribution?
can cove join kuaishou distribution?
?- ks_distribution_eligible(S).
which stores can join kuaishou distribution?
if bolt had experience stars 4.5, could it join kuaishou distribution?
how can bolt join kuaishou distribution?

@lang zh
bolt能入驻快分销吗？
为什么bolt不能入驻快分销？
@lang auto
# the value of a stated input
acme的购物体验星级是多少？
# a question no encoded document covers: answered "unknown (not covered)", not an error
acme能入驻淘宝直播吗？

# bad lines: reported on stderr with their line numbers, and the run goes on
can store bolt fly to the moon?
nosuch_predicate(bolt)
@as-of someday
@facts no_such_file.dl
@teleport now
ks_c3_experience_stars_ok(acme)
