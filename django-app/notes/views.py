from django.conf import settings
from django.shortcuts import redirect, render

from .forms import NoteForm
from .models import Note


def note_list(request):
    """The page that reads the database; POST adds a note (and uploads its attachment to media storage)."""
    if request.method == "POST":
        form = NoteForm(request.POST, request.FILES)
        if form.is_valid():
            form.save()
            return redirect("note-list")
    else:
        form = NoteForm()
    notes = Note.objects.all()[:50]
    return render(request, "notes/note_list.html", {"notes": notes, "form": form, "version": settings.APP_VERSION})
