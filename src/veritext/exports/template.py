"""The HTML report template (Jinja2, autoescaped). Kept in a module so it ships inside the package."""

# ruff: noqa: E501  (HTML lines)

REPORT_HTML = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Veritext {{ version }}">
<title>{{ title }}</title>
<style>
  :root { --ink:#1d232b; --muted:#5d6875; --line:#dde2e8; --high:#c8321e; --medium:#b88400; --low:#2f8550; }
  * { box-sizing: border-box; }
  body { margin: 0; color: var(--ink); background: #f6f7f9;
         font: 15px/1.55 "WenQuanYi Micro Hei", "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC",
               "Microsoft YaHei", "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
  main { max-width: 1120px; margin: 0 auto; padding: 28px 28px 48px; }
  h1 { font-size: 26px; margin: 0 0 4px; }
  h2 { font-size: 19px; margin: 34px 0 10px; padding-bottom: 6px; border-bottom: 2px solid var(--line); }
  .en { color: var(--muted); font-weight: normal; }
  .meta { color: var(--muted); font-size: 13px; }
  .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 12px; margin-top: 18px; }
  .card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
  .card .n { font-size: 24px; font-weight: bold; }
  .card .l { font-size: 12px; color: var(--muted); }
  .card.high .n { color: var(--high); }
  .card.medium .n { color: var(--medium); }
  table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid var(--line); font-size: 13px; }
  th, td { padding: 6px 9px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
  th { background: #eef1f4; font-weight: 600; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  td.tpl { font-family: "WenQuanYi Micro Hei Mono", "Noto Sans Mono CJK SC", monospace; font-size: 12px; word-break: break-all; }
  .risk { display: inline-block; padding: 0 7px; border-radius: 9px; color: #fff; font-size: 12px; white-space: nowrap; }
  .risk.high { background: var(--high); } .risk.medium { background: var(--medium); } .risk.low { background: var(--low); }
  figure { margin: 12px 0 0; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px; }
  figure img { width: 100%; height: auto; display: block; }
  .note { font-size: 13px; color: var(--muted); margin-top: 8px; }
  .warn { background: #fff6e0; border: 1px solid #f0d48a; padding: 8px 12px; border-radius: 6px; font-size: 13px; }
  footer { margin-top: 40px; font-size: 12px; color: var(--muted); }
  @media print { body { background: #fff; } figure, table { break-inside: avoid; } }
</style>
</head>
<body>
<main>
<h1>{{ title }}</h1>
<div class="meta">{{ source }} · 生成于 / generated {{ generated }} · Veritext {{ version }}</div>
{% if font_warning %}<p class="warn">{{ font_warning }}</p>{% endif %}

<div class="cards">
  {% for card in cards %}
  <div class="card {{ card.cls }}"><div class="n">{{ card.value }}</div><div class="l">{{ card.zh }}<br>{{ card.en }}</div></div>
  {% endfor %}
</div>

<h2>类型 × 风险 <span class="en">Kind × risk</span></h2>
<table>
  <tr><th>类型 <span class="en">kind</span></th>
  {% for r in risks %}<th class="num">{{ r.zh }} <span class="en">{{ r.en }}</span></th>{% endfor %}
  <th class="num">合计 <span class="en">total</span></th></tr>
  {% for row in kind_rows %}
  <tr><td>{{ row.zh }} <span class="en">{{ row.en }}</span></td>
  {% for v in row.counts %}<td class="num">{{ "{:,}".format(v) }}</td>{% endfor %}
  <td class="num"><b>{{ "{:,}".format(row.total) }}</b></td></tr>
  {% endfor %}
</table>

<h2>每日短信数 <span class="en">Messages per day</span></h2>
<figure><img alt="每日短信数（按类型） / Messages per day by kind" src="data:image/png;base64,{{ plots.per_day }}"></figure>

<h2>风险分布 <span class="en">Risk</span></h2>
<figure><img alt="诈骗可能性分布 / Fraud probability histogram" src="data:image/png;base64,{{ plots.risk }}"></figure>

<h2>最大的群发活动 <span class="en">Top campaigns</span></h2>
<figure><img alt="最大的群发活动 / Top campaigns" src="data:image/png;base64,{{ plots.campaigns }}"></figure>
{% if campaigns %}
<table>
  <tr><th>编号 <span class="en">id</span></th><th class="num">短信 <span class="en">messages</span></th>
  <th class="num">发送方 <span class="en">senders</span></th><th>首次 / 最近 <span class="en">first / last seen</span></th>
  <th>风险 <span class="en">risk</span></th><th>类型 <span class="en">kind</span></th>
  <th>域名 <span class="en">domains</span></th><th>模板（可变部分已遮盖） <span class="en">template, variable parts masked</span></th></tr>
  {% for c in campaigns %}
  <tr><td>{{ c.campaign_id }}</td><td class="num">{{ "{:,}".format(c.size) }}</td><td class="num">{{ "{:,}".format(c.distinct_senders) }}</td>
  <td>{{ c.first }}<br>{{ c.last }}</td><td><span class="risk {{ c.risk }}">{{ c.risk_label }}</span></td>
  <td>{{ c.kind_label }}</td><td>{{ c.domains }}</td><td class="tpl">{{ c.template }}</td></tr>
  {% endfor %}
</table>
<p class="note">群发活动＝文本相近（数字、链接、电话已遮盖）的一组短信。 / A campaign is a group of near-identical messages once numbers, links and phone numbers are masked.</p>
{% endif %}

<h2>出现最多的域名 <span class="en">Top domains</span></h2>
<figure><img alt="出现最多的域名 / Top domains" src="data:image/png;base64,{{ plots.domains }}"></figure>

<div style="display:grid; grid-template-columns: 1fr 1fr; gap: 16px; margin-top: 16px;">
<table>
  <tr><th>域名 <span class="en">domain</span></th><th class="num">短信 <span class="en">messages</span></th><th class="num">高风险 <span class="en">high risk</span></th></tr>
  {% for d in domains %}<tr><td>{{ d.value }}</td><td class="num">{{ "{:,}".format(d.messages) }}</td><td class="num">{{ "{:,}".format(d.high) }}</td></tr>{% endfor %}
</table>
<table>
  <tr><th>发送方 <span class="en">sender</span></th><th class="num">短信 <span class="en">messages</span></th><th class="num">高风险 <span class="en">high risk</span></th></tr>
  {% for s in senders %}<tr><td>{{ s.value }}</td><td class="num">{{ "{:,}".format(s.messages) }}</td><td class="num">{{ "{:,}".format(s.high) }}</td></tr>{% endfor %}
</table>
</div>

<footer>
本报告由 Veritext 在本机离线生成，未连接网络；域名与号码取自短信原文，仅供核查，切勿点击或拨打。<br>
Generated offline by Veritext on this computer; nothing was sent anywhere. Domains and numbers are quoted from the
messages for checking only: do not open or call them.
</footer>
</main>
</body>
</html>
"""
