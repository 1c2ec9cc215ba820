"""Leaflet's JavaScript and CSS, read from an installed registry package at run time.

The maps carry Leaflet inline so that they open without any network. The files are not
copied into this repository: they come from the ``folium-offline`` distribution (import
name ``offlinefolium``), which embeds the upstream Leaflet 1.9 release files keyed by their
CDN address. The CSS already carries its images as ``data:`` URIs. The page's own small helpers
(:data:`HELPERS_JS`, :data:`PAGE_CSS`) live here too.
"""

from __future__ import annotations

import functools

from hotspots.errors import HotspotsError

__all__ = ["LEAFLET_VERSION", "HELPERS_JS", "PAGE_CSS", "leaflet_css", "leaflet_js"]

LEAFLET_VERSION = "1.9.3"

#: Page helpers shared by every layer: HTML escaping, colour classes, popups, ``hsLayer``.
HELPERS_JS = r"""
function hsEsc(s){return String(s).replace(/[&<>"']/g,function(c){
 return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c];});}
function hsColor(spec,p){
 if(spec.colorBy==null){return spec.color;}
 var v=p[spec.colorBy];
 if(v===null||v===undefined){return spec.nullColor;}
 if(spec.colors){var c=spec.colors[String(v)];return c===undefined?spec.nullColor:c;}
 if(v===0&&spec.zeroColor){return spec.zeroColor;}
 var i=0;while(i<spec.breaks.length&&v>spec.breaks[i]){i++;}
 return spec.palette[Math.min(i,spec.palette.length-1)];}
function hsPopup(spec,p){
 var rows=[];spec.fields.forEach(function(f){var v=p[f[0]];
  if(v===undefined){return;}if(v===null){v=spec.nullText;}
  rows.push('<tr><th>'+hsEsc(f[1])+'</th><td>'+hsEsc(v)+'</td></tr>');});
 return rows.length?'<table class="hs-popup">'+rows.join('')+'</table>':null;}
function hsLayer(data,spec){
 function style(f){var p=f.properties||{};var s=Object.assign({},spec.style);
  var c=hsColor(spec,p);if(spec.line){s.color=c;}else{s.fillColor=c;}
  if(spec.dashOffsets){var o=spec.dashOffsets[String(p[spec.colorBy])];
   if(o!==undefined){s.dashOffset=String(o);}}
  if(spec.weightBy){var w=p[spec.weightBy];
   s.weight=(w===null||w===undefined||!spec.vmax)?spec.wmin:spec.wmin+(spec.wmax-spec.wmin)*w/spec.vmax;}
  return s;}
 var opts={style:style,renderer:spec.svg?L.svg():undefined,
  onEachFeature:function(f,l){var p=f.properties||{};
  if(spec.fields.length){l.bindPopup(function(){return hsPopup(spec,p)||'';});}
  if(spec.tooltip&&p[spec.tooltip]!==null&&p[spec.tooltip]!==undefined){
   l.bindTooltip(hsEsc(p[spec.tooltip]),{sticky:true});}}};
 if(spec.point){opts.pointToLayer=function(f,ll){
  return L.circleMarker(ll,Object.assign({},spec.style,
   {radius:spec.radius,fillColor:hsColor(spec,f.properties||{})}));};}
 var g=L.geoJSON(data,opts);
 if(spec.endLabel){g.eachLayer(function(l){var p=l.feature.properties||{};
  var t=p[spec.endLabel];if(t===null||t===undefined||!l.getLatLngs){return;}
  var ll=l.getLatLngs();while(ll.length&&Array.isArray(ll[ll.length-1])){ll=ll[ll.length-1];}
  if(!ll.length){return;}
  g.addLayer(L.marker(ll[ll.length-1],{interactive:false,keyboard:false,
   icon:L.divIcon({className:'hs-end-label',html:hsEsc(t),iconSize:null,iconAnchor:[-6,8]})}));});}
 if(spec.label){var marks=[];g.eachLayer(function(l){var p=(l.feature||{}).properties||{};
  var t=p[spec.label];if(t===null||t===undefined||t===''){return;}
  var ll=l.getBounds?l.getBounds().getCenter():(l.getLatLng?l.getLatLng():null);if(!ll){return;}
  marks.push(L.marker(ll,{interactive:false,keyboard:false,icon:L.divIcon({
   className:'hs-label-box',iconSize:null,iconAnchor:[0,0],
   html:'<span class="hs-label '+hsEsc(spec.labelClass||'')+'" data-hs-mz="'+spec.labelMinZoom+
    '">'+hsEsc(t)+'</span>'})}));});
  marks.forEach(function(mk){g.addLayer(mk);});}
 return g;}
function hsZoomLabels(map){var z=map.getZoom();
 map.getContainer().querySelectorAll('[data-hs-mz]').forEach(function(e){
  e.style.display=z>=parseFloat(e.getAttribute('data-hs-mz'))?'':'none';});}
L.Map.addInitHook(function(){var map=this,t=null;
 function later(){if(t){return;}t=setTimeout(function(){t=null;hsZoomLabels(map);},0);}
 map.on('zoomend overlayadd layeradd',later);});
"""

#: Styles of popups, legend and banners (system fonts only: no web font).
PAGE_CSS = """
.leaflet-container{background:#eef0f2;font-family:Arial,Helvetica,sans-serif;}
.hs-popup{border-collapse:collapse;font-size:12px}
.hs-popup th{text-align:left;padding:1px 6px 1px 0;font-weight:600}
.hs-popup td{text-align:right;padding:1px 0}
.hs-legend{background:rgba(255,255,255,.93);padding:6px 9px;border-radius:4px;
 box-shadow:0 1px 4px rgba(0,0,0,.35);font-size:12px;line-height:16px;max-height:55vh;
 overflow:auto;max-width:280px}
.hs-legend h4{margin:0 0 4px;font-size:13px}
.hs-legend h5{margin:6px 0 2px;font-size:12px}
.hs-legend i{display:inline-block;width:16px;height:11px;margin-right:6px;
 vertical-align:middle;border:1px solid #555;opacity:.9}
.hs-legend i.hs-line{height:0;border:0;border-top-style:solid;vertical-align:middle}
.hs-legend i.hs-dot{width:10px;height:10px;border-radius:50%}
.hs-legend .hs-note{color:#444;margin-top:6px;font-style:italic}
.hs-banners{position:absolute;top:8px;left:50%;transform:translateX(-50%);z-index:1000;
 pointer-events:none;text-align:center}
.hs-banner{font-family:Arial,Helvetica,sans-serif;margin:0 auto 4px;background:#b00020;
 color:#fff;font-weight:700;padding:4px 14px;border-radius:4px;font-size:15px;
 letter-spacing:.5px;box-shadow:0 1px 4px rgba(0,0,0,.4);display:table}
.hs-restricted{background:#222;font-size:13px}
.hs-end-label{background:rgba(255,255,255,.9);border:1px solid #08519c;border-radius:3px;
 padding:0 4px;font-size:12px;font-weight:700;color:#08306b;white-space:nowrap}
.hs-banner small{display:block;font-weight:400;font-size:11px;letter-spacing:0}
.hs-label-box{background:none;border:0}
.hs-home{display:block;background:#7a1f1f;color:#fff!important;font-weight:700;
 padding:5px 10px;border-radius:4px;text-decoration:none;font-size:13px;
 box-shadow:0 1px 4px rgba(0,0,0,.35)}
.hs-label{display:inline-block;transform:translate(-50%,-50%);white-space:nowrap;
 font-size:11px;color:#222;text-shadow:0 0 2px #fff,0 0 2px #fff,0 0 3px #fff;
 pointer-events:none}
.hs-label.hs-rank{background:#3f007d;color:#fff;text-shadow:none;border-radius:9px;
 padding:0 5px;font-weight:700;font-size:12px;border:1px solid #fff}
details.hs-legend summary{cursor:pointer;font-weight:700;font-size:13px}
details.hs-legend[open] summary{margin-bottom:4px}
.hs-filter{background:rgba(255,255,255,.95);padding:5px 7px;border-radius:4px;
 box-shadow:0 1px 4px rgba(0,0,0,.35);font-size:12px}
.hs-filter select{font-size:13px;margin:2px 0;max-width:170px;display:block}
@media (max-width:600px){.hs-legend{max-width:200px;max-height:40vh;font-size:11px}
 .leaflet-control-attribution{font-size:8px;line-height:10px;max-width:45vw}
 .hs-banner{font-size:12px;padding:2px 8px}.hs-banner small{display:none}}
"""


@functools.cache
def _resources() -> dict[str, str]:
    try:
        from offlinefolium import elements
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise HotspotsError(
            "offline maps need the package 'folium-offline' (it carries Leaflet inline); "
            "install it with: pip install folium-offline"
        ) from exc
    res = getattr(elements, "_res", None)
    if not isinstance(res, dict):  # pragma: no cover - guards against a package change
        raise HotspotsError(
            "the installed folium-offline no longer carries Leaflet where hotspots expects it "
            "(offlinefolium.elements._res); pin folium-offline==0.20.0.2"
        )
    return res


def _get(name: str) -> str:
    res = _resources()
    # folium-offline keys its embedded copies by the address folium would have loaded;
    # the key is only looked up here, nothing is ever requested.
    suffix = f"/leaflet@{LEAFLET_VERSION}/dist/{name}"
    key = next((k for k in res if isinstance(k, str) and k.endswith(suffix)), None)
    if key is None:  # pragma: no cover - guards against a package change
        raise HotspotsError(
            f"Leaflet {LEAFLET_VERSION} ({name}) not found in folium-offline; "
            "pin folium-offline==0.20.0.2"
        )
    return res[key]


def leaflet_js() -> str:
    """Return the source of Leaflet's JavaScript (``leaflet.js``)."""
    return _get("leaflet.js")


def leaflet_css() -> str:
    """Return Leaflet's stylesheet (``leaflet.css``) with its images as ``data:`` URIs."""
    return _get("leaflet.css")
