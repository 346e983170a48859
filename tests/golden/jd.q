# JD: 会员通 (D000), 开卡有礼 (D001), POP store and after-sales (D002), 京任务 (D003).
@as-of 2026-11-23
@facts ../../facts/examples/jd_mc_acme_live.dl
can brand acme go live?
acme能开通会员通吗？
@facts ../../facts/examples/jd_pop_order_so2_blocked.dl
@facts ../../facts/examples/jd_task_nova_failing.dl
@facts ../../facts/examples/jd_ocg_bolt_self_failing.dl
can order so2 be negotiated?
can agency nova open integrated marketing?
can store bolt use 开卡有礼?
