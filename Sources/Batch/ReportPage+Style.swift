/// The page's style and its one small script (sorting and filtering the patient table; the
/// page reads fully without it).
extension ReportPage {
    static let style = """
        :root{--ink:#1d2733;--mute:#5b6876;--line:#d8dee4;--bg:#f6f8fa;--card:#fff;--blue:#2f6fb3;--red:#b33b2f;--amber:#b35900;--green:#2e7d4f}
        *{box-sizing:border-box}
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;padding:20px;color:var(--ink);background:var(--bg);font-size:14px;line-height:1.4}
        h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px} h4{margin:12px 0 4px;font-size:14px}
        .sub{color:var(--mute);margin-bottom:16px;overflow-wrap:anywhere}
        .tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(140px,1fr));gap:10px}.tile{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 14px}
        .tile .value{font-size:24px;font-weight:600}.tile .name{color:var(--mute);font-size:13px}.tile.warn .value{color:var(--amber)}
        .scroll{overflow-x:auto;max-width:100%}
        table{border-collapse:collapse;background:var(--card);width:100%;font-size:13px}
        td,th{border:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
        th{background:#eef1f4;white-space:nowrap}.num{text-align:right}
        th button{font:inherit;font-weight:600;background:none;border:0;padding:0;cursor:pointer;color:inherit}
        th[aria-sort=ascending] button::after{content:" ▲"} th[aria-sort=descending] button::after{content:" ▼"}
        .runwarn{background:#fff4e5;border:1px solid #e0a458;border-radius:8px;padding:10px 14px}
        .legend{color:var(--mute);font-size:13px}
        .rec{display:inline-block;background:#e6eef8;color:#1f4f85;border:1px solid #b8cde6;border-radius:4px;padding:1px 6px;margin:1px 0;font-size:12px}
        .rec.dnp{background:#fbe9e7;color:var(--red);border-color:#e8b4ad;font-weight:600}
        .chip{display:inline-block;border-radius:10px;padding:0 7px;margin:1px 0;font-size:12px;background:#eef1f4;border:1px solid var(--line)}
        .chip.yes{background:#e7f4ec;border-color:#b5dcc4;color:#1f5e3a}.chip.no{background:#f3f4f6;color:var(--mute)}
        .chip.unknown{background:#fff4e5;border-color:#e0a458;color:#7a3e00}
        .status{font-weight:600}.status.new{color:var(--green)}.status.changed{color:var(--blue)}.status.notseen{color:var(--mute)}
        .delta{font-size:12px;color:var(--mute)}
        table.recs .barcell{width:50%}.bar{display:inline-block;height:12px;background:var(--blue);border-radius:2px;vertical-align:middle}.bar.dnp{background:var(--red)}
        tbody.patient tr.row{cursor:pointer} tbody.patient tr.row:hover td{background:#f3f7fc}
        tr.explain>td{padding:0 8px;border-top:0} details>summary{cursor:pointer;color:var(--blue);padding:4px 0}
        details[open]{padding-bottom:8px} details .meta{color:var(--mute);font-size:12px;overflow-wrap:anywhere}
        table.facts td:first-child{white-space:nowrap}.v{font-weight:600}.v.yes{color:var(--green)}.v.no{color:var(--mute)}.v.unknown{color:var(--amber)}
        ul.evidence{margin:2px 0 0;padding-left:18px;color:var(--mute);font-size:12px;overflow-wrap:anywhere}
        ol.outcomes{margin:4px 0;padding-left:22px} ol.outcomes li{margin:3px 0;overflow-wrap:anywhere} li.fires b{color:var(--green)} li.fires.dnp b{color:var(--red)} li.notfired{color:var(--mute)}
        .filters{display:flex;flex-wrap:wrap;gap:10px 16px;align-items:center;margin-bottom:8px}.filters input[type=search]{min-width:220px;max-width:100%;padding:4px 6px}.filters select{max-width:100%}.filters label{max-width:100%}
        #shown{color:var(--mute);font-size:13px}
        .charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:10px}
        .chart{margin:0;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px 10px}
        .chart figcaption{font-weight:600;font-size:13px;margin-bottom:4px}.chart svg{width:100%;height:64px;display:block}
        .chart polyline{fill:none;stroke-width:2;vector-effect:non-scaling-stroke}.chart .base{stroke:var(--line);stroke-width:1}
        polyline.l1{stroke:var(--blue)}circle.l1{fill:var(--blue)}polyline.l2{stroke:var(--red)}circle.l2{fill:var(--red)}polyline.l3{stroke:var(--amber)}circle.l3{fill:var(--amber)}
        span.l1{color:var(--blue)}span.l2{color:var(--red)}span.l3{color:var(--amber)}
        .axis{display:flex;justify-content:space-between;color:var(--mute);font-size:11px}.now{font-size:12px}
        td.file{overflow-wrap:anywhere;min-width:160px}td.why{font-size:12px;min-width:140px}
        footer{margin-top:28px;color:var(--mute);font-size:12px}
        @media (max-width:720px){
          body{padding:10px}
          table.patients thead{display:none}
          table.patients,table.patients tbody,table.patients tr,table.patients td{display:block;width:100%}
          tbody.patient{border:1px solid var(--line);border-radius:8px;margin-bottom:10px;background:var(--card)}
          table.patients td{border:0;border-bottom:1px solid #eef1f4}
          tr.row td::before{content:attr(data-label);display:block;color:var(--mute);font-size:11px;text-transform:uppercase}
          table.recs .barcell{width:35%}
        }
        """

    static let script = """
        (function(){
          var table=document.querySelector('table.patients'); if(!table) return;
          var bodies=Array.prototype.slice.call(table.querySelectorAll('tbody.patient'));
          var q=document.getElementById('q'), rec=document.getElementById('rec'), changed=document.getElementById('changed'), shown=document.getElementById('shown');
          function apply(){
            var text=q.value.trim().toLowerCase(), r=rec.value, n=0;
            bodies.forEach(function(b){
              var ok=(!text||b.dataset.search.indexOf(text)>=0)&&(!r||b.dataset.recs.indexOf(' '+r+' ')>=0)
                &&(!changed.checked||(b.dataset.status!=='unchanged'&&b.dataset.status!=='not seen'));
              b.hidden=!ok; if(ok) n++;
            });
            shown.textContent=n+' of '+bodies.length+' shown';
          }
          [q,rec,changed].forEach(function(el){el.addEventListener('input',apply);el.addEventListener('change',apply);});
          table.querySelectorAll('th button').forEach(function(btn){
            btn.addEventListener('click',function(){
              var k='k'+btn.dataset.sort, th=btn.parentNode, asc=th.getAttribute('aria-sort')!=='ascending';
              table.querySelectorAll('th').forEach(function(h){h.setAttribute('aria-sort','none');});
              th.setAttribute('aria-sort',asc?'ascending':'descending');
              bodies.sort(function(a,b){
                var x=a.dataset[k], y=b.dataset[k], nx=Number(x), ny=Number(y);
                var c=(x!==''&&y!==''&&!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y);
                return asc?c:-c;
              });
              bodies.forEach(function(b){table.appendChild(b);});
            });
          });
          bodies.forEach(function(b){
            b.querySelector('tr.row').addEventListener('click',function(){var d=b.querySelector('details'); d.open=!d.open;});
          });
          // #pN (a link to one patient's explanation) opens it.
          var target=location.hash&&document.getElementById(location.hash.slice(1));
          if(target&&target.tagName==='DETAILS'){target.open=true;target.scrollIntoView();}
          apply();
        })();
        """
}
