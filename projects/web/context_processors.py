"""What every template knows about the request, besides Django's own."""

from django.utils.functional import lazy

# The 关怀版 (larger type, higher contrast) is on while this cookie says "1".
CARE_COOKIE = "care"


def site_context(request):
    """Every page knows whether the 关怀版 (larger type, higher contrast) is on,
    whether the figures shown are demo data (then every page says so), and whose pages
    they are (the served jurisdiction, web/addresses.py), read only where shown."""
    from projects.web.addresses import front_page, home_with_page_facts, served, site_name

    # once per request, however many templates; the home one's on a 404 for a code
    jurisdiction = served(request) or home_with_page_facts()
    return {
        "care_mode": request.COOKIES.get(CARE_COOKIE) == "1",
        "demo_data": jurisdiction.any_demo_data,
        "jurisdiction": jurisdiction,
        # read when shown, in the page's language
        "place": lazy(lambda: jurisdiction.shown_name, str)(),
        "site_name": lazy(site_name, str)(jurisdiction),
        # another level's pages lead up to the one above (the home one's as before)
        "up": jurisdiction.parent if jurisdiction.parent and not jurisdiction.is_home else None,
        "up_page": lazy(front_page, str)(jurisdiction.parent) if jurisdiction.parent else "",
    }
