from django.http import Http404


def plans(request):
    raise Http404("not built yet")


projects = targets = reports = plans
