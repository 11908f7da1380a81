from django.http import Http404


class PlanFeed:
    def __call__(self, request, **kwargs):
        raise Http404("not built yet")


ProjectFeed = PlanFeed
