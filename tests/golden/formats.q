# One answer of each kind, for the Markdown and HTML outputs (escaping: <b>, *, _, `, |).
@as-of 2026-11-23
@facts ../../facts/examples/ks_bolt_failing.dl
ks_c3_experience_stars_ok(bolt)
@lang zh
bolt能入驻快分销吗？
@lang en
can store "<b>*x*_`y`|" join kuaishou distribution?
