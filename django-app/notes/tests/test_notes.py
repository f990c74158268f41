from io import StringIO

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import TestCase, override_settings

from notes.models import Note


@override_settings(ALLOWED_HOSTS=["testserver"], APP_VERSION="v7")
class NotePageTests(TestCase):
    def test_page_lists_notes_from_the_database(self):
        Note.objects.create(title="first", body="hello")
        Note.objects.create(title="second")
        response = self.client.get("/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "<strong>second</strong>")
        self.assertContains(response, "<strong>first</strong> hello")
        self.assertContains(response, "version v7")
        self.assertContains(response, "/static/notes/site.css")

    def test_post_creates_a_note_with_an_uploaded_attachment(self):
        upload = SimpleUploadedFile("report.txt", b"attachment bytes", content_type="text/plain")
        response = self.client.post("/", {"title": "with file", "body": "", "attachment": upload})
        self.assertRedirects(response, "/")
        note = Note.objects.get(title="with file")
        self.assertTrue(note.attachment.name.startswith("attachments/"))
        with note.attachment.open("rb") as stored:
            self.assertEqual(stored.read(), b"attachment bytes")

    def test_invalid_post_shows_the_form_error(self):
        response = self.client.post("/", {"title": ""})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "This field is required.")
        self.assertEqual(Note.objects.count(), 0)

    def test_admin_lists_notes(self):
        User.objects.create_superuser("admin", "admin@example.com", "pw-not-used-elsewhere")
        self.client.login(username="admin", password="pw-not-used-elsewhere")
        Note.objects.create(title="visible in admin")
        response = self.client.get("/admin/notes/note/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "visible in admin")


class MigrateWithLockTests(TestCase):
    def test_takes_the_lock_and_migrates(self):
        out = StringIO()
        call_command("migrate_with_lock", stdout=out, verbosity=1)
        self.assertIn("migration lock acquired", out.getvalue())
        self.assertIn("No migrations to apply", out.getvalue())
