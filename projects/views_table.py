from django.http import Http404


def target_table(request, year):
    raise Http404("not built yet")
