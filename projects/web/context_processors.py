"""What every template knows about the request, besides Django's own."""

# The 关怀版 (larger type, higher contrast) is on while this cookie says "1".
CARE_COOKIE = "care"


def site_context(request):
    """Every page knows whether the 关怀版 (larger type, higher contrast) is on, and
    whether the figures shown are demo data (then every page says so)."""
    from projects.models import Plan

    if not hasattr(request, "demo_data"):  # once per request, however many templates
        request.demo_data = Plan.objects.filter(demo_data=True).exists()
    return {
        "care_mode": request.COOKIES.get(CARE_COOKIE) == "1",
        "demo_data": request.demo_data,
    }
