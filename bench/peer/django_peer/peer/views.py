"""The two pages of MotCua the benchmark compares, written as a Django project would."""

import math
import re
import unicodedata
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render

from peer.labels import NEXT_STEPS, STATUS_LABELS, tone
from peer.models import Agency, Dossier, DossierEvent, Procedure

TRACK_LIMIT = 30
TRACK_WINDOW = 600  # seconds
APOLOGIZE = "apologize"
PHONE = re.compile(r"^0\d{9}$")


def fold(text):
    text = text.replace("đ", "d").replace("Đ", "D")
    stripped = "".join(
        c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)
    )
    return " ".join(stripped.split()).lower()


def client_ip(request):
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    return forwarded.split(",")[-1].strip() or request.META.get("REMOTE_ADDR", "")


def rate_limited(ip):
    """MotCua's sliding-window count (backend/accounts/ratelimit.py), same table and upsert."""
    if settings.RATELIMIT != "db":
        return False
    now = datetime.now(UTC)
    position = now.timestamp() / TRACK_WINDOW
    index = int(position)
    key = f"track:{ip}"
    with connection.cursor() as c:
        c.execute(
            "INSERT INTO rate_limit_counter (slot, key, hits, expires_at) VALUES (%s, %s, 1, %s) "
            "ON CONFLICT (slot) DO UPDATE SET hits = rate_limit_counter.hits + 1 RETURNING hits",
            [f"{key}:{index}", key, now + timedelta(seconds=2 * TRACK_WINDOW)],
        )
        current = c.fetchone()[0]
        c.execute("SELECT hits FROM rate_limit_counter WHERE slot = %s", [f"{key}:{index - 1}"])
        row = c.fetchone()
    earlier = row[0] if row else 0
    return current + math.floor(earlier * (1 - (position - index))) > TRACK_LIMIT


def lookup(code, phone):
    phone = "".join(phone.split()).replace("+84", "0", 1)
    if not PHONE.match(phone):
        return None
    d = (
        Dossier.objects.select_related("procedure")
        .only("id", "code", "status", "submitted_at", "appointment_date", "applicant_phone",
              "procedure__name")
        .filter(code=code.strip().upper())
        .exclude(status=0)
        .first()
    )  # fmt: skip
    if d is None or d.applicant_phone != phone:
        return None
    steps = []
    events = DossierEvent.objects.filter(dossier_id=d.id).order_by("seq")
    for e in events.values("at", "action", "from_status", "to_status"):
        apology = e["action"] == APOLOGIZE
        if apology or e["from_status"] != e["to_status"]:
            steps.append({"at": e["at"], "status": e["to_status"], "apology": apology,
                          "label": STATUS_LABELS[e["to_status"]]})  # fmt: skip
    return {
        "code": d.code,
        "status": d.status,
        "status_label": STATUS_LABELS[d.status],
        "tone": tone(d.status),
        "is_new": d.status == 1,
        "submitted_at": d.submitted_at,
        "appointment_date": d.appointment_date,
        "procedure_name": d.procedure.name,
        "next_step": NEXT_STEPS.get(d.status, ""),
        "steps": steps,
    }


NOT_FOUND = "Không tìm thấy hồ sơ với mã và số điện thoại này. Vui lòng kiểm tra lại."
TOO_MANY = "Bạn tra cứu quá nhiều lần. Vui lòng thử lại sau ít phút."


def track(request):
    context = {"settings": settings, "values": {}, "errors": {}, "result": None}
    status = 200
    if request.method == "POST":
        values = {
            "code": request.POST.get("code", "")[:40],
            "phone": request.POST.get("phone", "")[:20],
        }
        context["values"] = values
        if rate_limited(client_ip(request)):
            context["errors"], status = {"_": TOO_MANY}, 429
        else:
            result = lookup(values["code"], values["phone"])
            if result is None:
                context["errors"], status = {"_": NOT_FOUND}, 404
            context["result"] = result
    else:
        context["values"] = {"code": request.GET.get("code", "")[:40]}
    return render(request, "track.html", context, status=status)


def track_api(request):
    if rate_limited(client_ip(request)):
        return JsonResponse({"detail": TOO_MANY}, status=429)
    result = lookup(request.GET.get("code", "")[:40], request.GET.get("phone", "")[:20])
    if result is None:
        return JsonResponse({"detail": NOT_FOUND}, status=404)
    return JsonResponse(
        {
            "code": result["code"],
            "status": result["status"],
            "status_label": result["status_label"],
            "submitted_at": result["submitted_at"],
            "appointment_date": result["appointment_date"],
            "next_step": result["next_step"],
            "steps": [
                {
                    "at": s["at"],
                    "status": s["status"],
                    "status_label": s["label"],
                    "apology": s["apology"],
                }
                for s in result["steps"]
            ],
        },
        json_dumps_params={"ensure_ascii": False},
    )


def procedures(request):
    q = request.GET.get("q", "")
    agency = request.GET.get("agency", "")
    results = Procedure.objects.select_related("agency").filter(active=True)
    for term in [w for w in re.split(r"[^0-9a-z.]+", fold(q[:200])) if w][:8]:
        results = results.filter(search_text__contains=term)
    if agency:
        results = results.filter(agency__code=agency[:20])
    results = results.only(
        "id", "catalog_id", "national_code", "name", "processing_days", "online_level",
        "fee_vnd", "agency__code", "agency__name",
    ).order_by("name")[:100]  # fmt: skip
    context = {
        "settings": settings,
        "q": q,
        "agency": agency,
        "results": list(results),
        "agencies": Agency.objects.order_by("id").only("id", "code", "name", "kind"),
    }
    response = render(request, "procedures.html", context)
    response["Vary"] = "HX-Request"
    return response


def health(request):
    return HttpResponse("ok")
