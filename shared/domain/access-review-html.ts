import type { AccessReview } from './access-review.js';

/**
 * The access review as one self-contained HTML page — no script, style or font from the network —
 * for a reviewer to read, filter and print: the summary first (members per role, per resource
 * group, per flag, with a small bar chart), then every member, filterable by text, role and flag.
 */

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function bars(title: string, counts: Record<string, number>): string {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return `<section class="chart"><h3>${escape(title)}</h3><p>none</p></section>`;
  const max = Math.max(...entries.map(([, n]) => n));
  const rows = entries
    .map(([label, n], i) => {
      const width = Math.max(2, Math.round((n / max) * 200));
      return `<g transform="translate(0,${i * 22})"><text x="0" y="14">${escape(label.split(' (')[0]!)}</text><rect x="170" y="3" width="${width}" height="14"></rect><text x="${176 + width}" y="14">${n}</text></g>`;
    })
    .join('');
  return `<section class="chart"><h3>${escape(title)}</h3><svg role="img" aria-label="${escape(title)}" width="420" height="${entries.length * 22}">${rows}</svg></section>`;
}

/** The CI token broker's policies: which pipeline can get what, and how often it did. */
function principals(review: AccessReview): string {
  if (!review.ciPrincipals) return '';
  const rows = review.ciPrincipals
    .map(
      (p) =>
        `<tr><td>${escape(p.policy)}</td><td>${escape(
          `${p.issuer}: ${Object.entries(p.trusts)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ')}`,
        )}</td>` +
        `<td>${escape(p.serviceAccount)}</td><td>${escape([...p.permissions, ...(p.repos.length ? [`${p.repoPermissions.join('+')} on ${p.repos.join(', ')}`] : [])].join('; '))}</td>` +
        `<td>${p.ttlMinutes} min</td><td>${p.issued}</td><td>${p.refused}</td><td>${escape(p.lastIssuedAt ?? '–')}</td></tr>`,
    )
    .join('\n');
  return `<h2>CI principals (since ${escape(review.ciPeriodStart?.slice(0, 10) ?? '')})</h2>
<table id="ci-principals"><thead><tr><th>policy</th><th>trusts</th><th>service account</th><th>gets</th><th>ttl</th><th>issued</th><th>refused</th><th>last issued</th></tr></thead>
<tbody>
${rows}
</tbody></table>`;
}

/** One member's row; its data attributes are what the page's filters read. */
function memberRow(r: AccessReview['rows'][number]): string {
  return (
    `<tr data-role="${escape(r.role)}" data-flags="${escape(r.flags.join('|'))}">` +
    `<td>${escape(r.user)}</td><td>${escape(r.role)}</td><td>${escape(r.resourceGroups.map((rg) => `${rg.name}:${rg.role}`).join(', ') || '–')}</td>` +
    `<td>${escape(r.oktaLogin ?? '–')}</td><td>${escape(r.grantedBy.join('; ') || '–')}</td><td>${escape(r.since?.slice(0, 10) ?? '–')}</td>` +
    `<td>${escape(r.lastChange ? `${r.lastChange.action} by ${r.lastChange.actor}` : '–')}</td><td>${r.flags.map((f) => `<span class="flag">${escape(f)}</span>`).join(' ')}</td></tr>`
  );
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222}h1{font-size:1.4rem}h3{font-size:1rem;margin:.5rem 0}
#summary{display:flex;flex-wrap:wrap;gap:2rem}.chart rect{fill:#4a7bd0}.chart text{font-size:12px}
.counts{font-size:1.1rem}table{border-collapse:collapse;width:100%;margin-top:1rem}th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3;position:sticky;top:0}.flag{display:inline-block;background:#fde2c8;border-radius:3px;padding:0 .3rem;margin:1px;font-size:12px}
#filters{margin-top:1.5rem;display:flex;gap:1rem}tr.hidden{display:none}
@media print{#filters{display:none}th{position:static}body{margin:0}tr{break-inside:avoid}}
`;

/** The page's search and filters: plain DOM, no library (the review opens offline, from a file). */
const FILTER_SCRIPT = `(function () {
  var q = document.getElementById('q'), role = document.getElementById('role'), flag = document.getElementById('flag'), shown = document.getElementById('shown');
  var rows = Array.prototype.slice.call(document.querySelectorAll('#members tbody tr'));
  function apply() {
    var text = q.value.toLowerCase(), n = 0;
    rows.forEach(function (tr) {
      var ok = (!text || tr.textContent.toLowerCase().indexOf(text) >= 0) && (!role.value || tr.dataset.role === role.value)
        && (!flag.value || tr.dataset.flags.split('|').indexOf(flag.value) >= 0);
      tr.classList.toggle('hidden', !ok);
      if (ok) n++;
    });
    shown.textContent = n + ' shown';
  }
  [q, role, flag].forEach(function (el) { el.addEventListener('input', apply); el.addEventListener('change', apply); });
})();
`;

export function renderAccessReviewHtml(review: AccessReview): string {
  const roles = Object.keys(review.summary.byRole).sort();
  const flags = Object.keys(review.summary.byFlag).sort();
  const rows = review.rows.map(memberRow).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Access review — ${escape(review.organization)} — ${escape(review.generatedAt.slice(0, 10))}</title>
<style>
${STYLE}</style></head>
<body>
<h1>Access review of the Hugging Face organization “${escape(review.organization)}”</h1>
<p>Generated ${escape(review.generatedAt)} by hf-iam-sync from Okta, the Hub and the audit trail.</p>
<section id="summary" aria-label="summary">
<div class="counts"><strong id="member-count">${review.summary.members}</strong> members</div>
${bars('Members per role', review.summary.byRole)}
${bars('Members per resource group', review.summary.byResourceGroup)}
${bars('Flags', review.summary.byFlag)}
</section>
<div id="filters">
<label>Search <input id="q" type="search" placeholder="user, login, group…"></label>
<label>Role <select id="role"><option value="">any</option>${roles.map((r) => `<option>${escape(r)}</option>`).join('')}</select></label>
<label>Flag <select id="flag"><option value="">any</option>${flags.map((f) => `<option value="${escape(f)}">${escape(f.split(' (')[0]!)}</option>`).join('')}</select></label>
<span id="shown">${review.rows.length} shown</span>
</div>
<table id="members"><thead><tr><th>user</th><th>role</th><th>resource groups</th><th>Okta login</th><th>granted by</th><th>since</th><th>last change</th><th>flags</th></tr></thead>
<tbody>
${rows}
</tbody></table>
${principals(review)}
<script>
${FILTER_SCRIPT}</script>
</body></html>
`;
}
