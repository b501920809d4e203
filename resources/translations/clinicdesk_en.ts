<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
    <context>
        <name>AccessLog</name>
        <message>
            <source>Read</source>
            <translation type="vanished" />
        </message>
        <message>
            <source>Read (break the glass)</source>
            <translation type="vanished" />
        </message>
        <message>
            <source>Refused</source>
            <translation type="vanished" />
        </message>
        <message>
            <source>Search</source>
            <translation type="vanished" />
        </message>
        <message>
            <source>Export</source>
            <translation type="vanished" />
        </message>
        <message>
            <source>Access log read</source>
            <translation type="vanished" />
        </message>
        <message>
            <source>Access log review</source>
            <translation type="vanished" />
        </message>
        <message>
            <source>Created</source>
            <translation type="vanished" />
        </message>
        <message>
            <source>Changed</source>
            <translation type="vanished" />
        </message>
        <message>
            <source>Deleted</source>
            <translation type="vanished" />
        </message>
        <message>
            <source>Printed</source>
            <translation type="vanished" />
        </message>
        <message>
            <source>This workstation</source>
            <translation type="vanished" />
        </message>
        <message>
            <source>Central server</source>
            <translation type="vanished" />
        </message>
    </context>
    <context>
        <name>AccessLogDialog</name>
        <message>
            <source>Reading the access log…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>No access recorded.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Access log</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>This workstation's access log</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Who read this patient's record, when and from which workstation; break-the-glass reasons are shown. Opening this log is itself recorded.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Every access recorded on this workstation, for review by the privacy officer. Opening this log is itself recorded.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>When</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Who</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Information</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Action</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Workstation</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Reason</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Source</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Export as CSV…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Export as FHIR…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Export the access log</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Exported.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Read</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Read (break the glass)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Refused</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Search</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Export</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Access log read</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Access log review</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Created</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Changed</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Deleted</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Printed</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Identification</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>RAMQ registration</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Appointments</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Problems</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Allergies</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Medications</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Laboratory results</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Notes</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Documents</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>QHR</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>This workstation</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Central server</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>AccountRequestForm</name>
        <message>
            <source>First name</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Last name</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Personal e-mail (not shared)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Practice number</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Prescriber number</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Reference account (last name, first name)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Reference account id</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Billing name and client number</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Clinique Exemple - 123</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>This user had an account before</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Administrative account (administrative staff only)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Occupation</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Primary institution</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Laboratory registrations (one per line: laboratory: number)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Comment (special rights)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Send the request</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Request sent. The account takes up to 3 business days; you will see here when the welcome e-mail is sent.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{name}: {status} (expected by {due})</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>BreakGlassDialog</name>
        <message>
            <source>Break the glass</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Type why you must see this information now (a full sentence). The reason is recorded with each section you open, the access is reviewed, and the sections close again after {minutes} minutes.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Open the withheld sections</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Cancel</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>ChartView</name>
        <message>
            <source>Summary</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Problems</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Allergies</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Medications</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Laboratory results</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Encounters and notes</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Documents</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Imaging</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Loading…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Glass broken: withheld sections are open until {time}, and this access will be reviewed.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{n} change(s) in this chart not yet sent to the clinic's server.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>ConflictDialog</name>
        <message>
            <source>Conflicts to resolve</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Someone changed these records on the server after you changed them here. Compare the two versions (▶ marks what differs) and choose the one to keep.</source>
            <translation type="vanished" />
        </message>
        <message>
            <source>This workstation's version</source>
            <translation type="vanished" />
        </message>
        <message>
            <source>The server's version</source>
            <translation type="vanished" />
        </message>
        <message>
            <source>Keep mine</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Keep the server's</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Field</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>This workstation</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The clinic's server</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Someone changed these records on the clinic's server after you changed them here. Compare the two versions (▶ marks what differs) and choose the one to keep.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>No conflict to resolve: every change made here was accepted by the clinic's server.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>patient not on this workstation</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>EntryList</name>
        <message>
            <source>Date</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Item</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Details</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Flag</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Stopped</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Not sent</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>FaceSheetPage</name>
        <message>
            <source>Active problems</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Allergies</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Current medications</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Stopped medications</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Latest vital signs</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Latest results</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Visits</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Withheld from you: </source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Loading…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>None recorded</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Last visit</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Next visit</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>none</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Not available to your role.</source>
            <translation type="vanished" />
        </message>
        <message>
            <source>Clinical information is not available to your role.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>ImportConfigForm</name>
        <message>
            <source>Full name of the establishment</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>FMG reference number (1XXX)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>AIP access code (first identifier)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Password of the first AIP code</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>AIP access code (second identifier)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Password of the second AIP code</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>RAMQ place-of-follow-up number (5XXXX or 6XXXX)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>CE identifier (or IP identifier, solo physician)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Full name of the CE identifier's owner</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>CE identifier password</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Import type (one per institution)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>FMG</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Non-FMG</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>unchanged (never shown again)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Save the configuration</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Import now</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Configuration saved.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Last attempt: {at}.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Failing since {since}.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>LabsPage</name>
        <message>
            <source>Test</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Latest result</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Date</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Result</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Reference range</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Other results</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Details</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Flag</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>LockPage</name>
        <message>
            <source>Session locked</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>ClinicDesk locked itself after a period without activity. Type your password to continue.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Password</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Unlock</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Sign out</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Wrong password.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>MainWindow</name>
        <message>
            <source>ClinicDesk</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>&amp;File</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>&amp;Patient</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>&amp;Tools</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Find a patient</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Close the chart</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Synchronise now</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Lock</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Sign out</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Quit</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Settings…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>&amp;Find a patient</source>
            <translation type="vanished" />
        </message>
        <message>
            <source>NAM, name and birth date, or chart number</source>
            <translation type="vanished" />
        </message>
        <message>
            <source>Search for one patient to open the chart.
Enter searches; the arrow keys pick; Enter opens.</source>
            <translation type="vanished" />
        </message>
        <message>
            <source>Signed in offline: the central server cannot be reached. You are working from this workstation's copy; your changes will be sent when the server is back.</source>
            <translation type="vanished" />
        </message>
        <message>
            <source>Searching…</source>
            <translation type="vanished" />
        </message>
        <message>
            <source>No patient found.</source>
            <translation type="vanished" />
        </message>
        <message>
            <source>Opening the chart…</source>
            <translation type="vanished" />
        </message>
        <message>
            <source>Resolve conflicts…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>RAMQ services…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Remove the virtual QHR key</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Insert the virtual QHR key</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>New note…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Today's schedule</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Who read this record…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Review this workstation's access log…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Search for one patient to open the chart, or open one from the day's schedule.
Enter searches; the arrow keys pick; Enter opens.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>NoteEditor</name>
        <message>
            <source>New note</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Save</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Cancel</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Type the note. Ctrl+Enter saves it.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Saving…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>New note — {patient}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Note in the chart of {patient}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>You may not write notes in this chart: the patient is not yours and you hold no mandate for them, or your role does not allow it.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>PasswordWait</name>
        <message>
            <source>Too many wrong passwords: try again in {seconds} s.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>PatientBanner</name>
        <message>
            <source>Female</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Male</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Other</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Sex unknown</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Sex not recorded</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{n} years</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>age unknown</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Born {date}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>NAM {nam}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Chart {number}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Family physician: {name}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>none recorded</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>SEVERE ALLERGIES</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Allergies</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>No known allergies</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Allergies not recorded: ask the patient</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Allergies withheld from you (restricted): they may exist</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>PinDialog</name>
        <message>
            <source>QHR access key</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Type the PIN of your QHR access key.</source>
            <translation type="vanished" />
        </message>
        <message>
            <source>{n} attempt(s) left before the key locks.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Insert your QHR access key, then choose OK.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Type the PIN of your QHR access key (6 to 8 digits).</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Last attempt: one more wrong PIN blocks the key.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>QhrPanel</name>
        <message>
            <source>Insert your QHR access key to open the viewer.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>QHR access key detected.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Enter your PIN to open the QHR session.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>QHR session open.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Québec Health Record (QHR)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>QHR eligibility cannot be checked on this workstation.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>You may use the QHR viewer.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>You may not use the QHR viewer, because:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The QHR viewer was cleared: the key was removed.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The QHR viewer was cleared after a period without activity.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The QHR viewer was cleared: you signed out.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The QHR viewer was cleared: another person's key was plugged in.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The QHR viewer was cleared: the session expired.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The QHR viewer was closed.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The smart-card service is not running: the access key cannot be read. Call technical support.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Open the QHR session</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Your QHR access key is blocked: its PIN was entered wrong too many times. Contact the issuer of your QHR key (or your clinic's support) to have it unblocked with its PUK, then plug it in again.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The QHR viewer cannot be opened: your access key is blocked.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>QHR viewer: {reason}</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>QhrTabs</name>
        <message>
            <source>Laboratory results</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Imaging reports</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Medication profile</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Test / date</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Result</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Reference range</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Date</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Examination</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Status</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Drug</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>DIN</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Strength</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Dosage</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Quantity</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Pharmacy</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>First dispensed</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Last dispensed</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Active</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Stopped</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>QhrViewer</name>
        <message>
            <source>The QHR can only be reached while the central server answers: sign in online.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>This patient has no health insurance number (NAM): the QHR cannot be searched.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>RamqAdmin</name>
        <message>
            <source>No import yet.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Last import succeeded.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Last import succeeded with the second AIP identifier: the first one fails.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Imports stopped: the access codes are refused ({credential}).</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Imports stopped: the access codes have expired ({credential}).</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Imports stopped: the CE identifier's owner has left; enter the new authorised CE identifier.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The last import failed.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>submitted</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>in progress</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>welcome e-mail sent</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>RamqPanel</name>
        <message>
            <source>Asking RAMQ…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>RAMQ: family physician and insurance</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>&amp;Health insurance number (NAM)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Look up</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Family physician</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Group / place</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Registered since</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Place-of-follow-up number</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>FMG</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Health insurance</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Registered with a family physician.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Not registered with a family physician.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Insured until {date}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Not insured</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The central server cannot be reached: information as of {date}.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>RamqWindow</name>
        <message>
            <source>RAMQ services</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Family physician and insurance</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Registration import</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Account requests</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>ReaderDialog</name>
        <message>
            <source>{type} — {date} — by {author}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>unknown author</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Not sent to the clinic's server yet.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>This PDF cannot be shown on this workstation.</source>
            <translation type="vanished" />
        </message>
        <message>
            <source>This PDF cannot be shown on this workstation (damaged, or no PDF viewer here).</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>SchedulePanel</name>
        <message>
            <source>Proposed</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Pending</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Booked</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Arrived</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Checked in</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Seen</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Cancelled</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>No-show</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Time</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Patient</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Birth date</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Reason</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Status</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Physician</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The clinic's schedule — {day}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Today's schedule — {day}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>(not available on this workstation)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Loading the day's appointments…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>No appointments today.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>SearchPanel</name>
        <message>
            <source>Searching…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>No patient found.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Opening the chart…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>&amp;Find a patient</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>NAM, name and birth date, or chart number</source>
            <translation type="vanished" />
        </message>
        <message>
            <source>Signed in offline: the central server cannot be reached. You are working from this workstation's copy; your changes will be sent when the server is back.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>NAM, name + birth date, or chart no.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Type what to search for: NAM, chart number, or surname, first name and birth date.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>SettingsDialog</name>
        <message>
            <source>Settings</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Language</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>SignInWindow</name>
        <message>
            <source>The central server cannot be reached. You can still sign in offline with your usual password: you will work from this workstation's copy of the charts.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>ClinicDesk — Sign in</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>ClinicDesk</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Sign in to your clinic</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Server address</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>https://emr.example.qc.ca</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Username</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Password</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Change server</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Sign in</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Demo accounts (click to fill in):</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Language</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Enter the server address.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Enter your username.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Enter your password.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Signing in…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Your web browser will open to sign in to the server. The passphrase entered here protects this workstation's copy of your charts and opens it offline; on your first sign-in on this workstation, choose it now.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Continue in your web browser, then come back to ClinicDesk.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Workstation passphrase</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Cancel</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Enter your workstation passphrase.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Confirm passphrase</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>StatusBar</name>
        <message>
            <source>QHR key: absent</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>QHR key: present</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>QHR key: PIN needed</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>QHR key: session open</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Server: online</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Server: offline</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Last sync: {when}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Not synced yet</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Conflicts waiting: {n}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>QHR key: smart-card service not running</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>QHR key: blocked (PIN)</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>SummaryPage</name>
        <message>
            <source>Name</source>
            <translation type="vanished" />
        </message>
        <message>
            <source>Birth date</source>
            <translation type="vanished" />
        </message>
        <message>
            <source>Health insurance number</source>
            <translation type="vanished" />
        </message>
        <message>
            <source>Chart number</source>
            <translation type="vanished" />
        </message>
        <message>
            <source>RAMQ registration</source>
            <translation type="vanished" />
        </message>
    </context>
    <context>
        <name>UnsentChanges</name>
        <message>
            <source>Changes not sent</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{n} change(s) written on this workstation have not reached the clinic's server yet. They stay queued in this workstation's encrypted store and are sent at the next connection by this user; until then, colleagues do not see them.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Stay</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Quit anyway</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Sign out anyway</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>WithheldNotice</name>
        <message>
            <source>This section is withheld from you: it is not empty, it is not shown.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Break the glass…</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>access</name>
        <message>
            <source>This account is both professional and administrative, which is not allowed: ask your administrator to correct it.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Your role does not give access to this information.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Your role does not allow changing this information.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>You are not this patient's physician and hold no mandate from them: ask the patient's physician for a mandate.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>A secretarial mandate does not give access to clinical information.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The patient has restricted access to this information. In an emergency, you may break the glass with a written reason; the access will be reviewed.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The patient has refused access to their clinical information. In an emergency, you may break the glass with a written reason; the access will be reviewed.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The patient's consent is not known on this workstation yet: connect to the server to fetch it, or break the glass with a written reason in an emergency.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The patient has restricted access to this information, and your role cannot override it.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Type the reason for breaking the glass in a full sentence (at least {chars} characters and {words} words).</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>access_log</name>
        <message>
            <source>Only the patient's physician or the privacy officer (the clinic's administrator) may see who read this record.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Only the clinic's administrator may review this workstation's access log.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>account_request</name>
        <message>
            <source>Only staff authorised to manage user accounts of this institution may request an account.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Enter the new user's first and last name.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Enter a valid e-mail address.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>This looks like a shared mailbox: give an address only the new user reads.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Do not give your own e-mail address: give the new user's.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>This e-mail address is already given for another person: each user needs their own address.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Name every institution of the new user.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Choose the primary institution among those named.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>You may request accounts only for your institutions.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Administrative accounts are for administrative staff only: a health professional may not hold one.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Enter the professional's practice number.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Enter the laboratory registration number(s) with the laboratory's name, or the user will not receive results.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Give the reference account (name and id) whose mandates are copied.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Enter the billing name and client number as on the invoice, e.g. "Clinique Exemple - 123".</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>chart</name>
        <message>
            <source>This chart is not on this workstation, and the central server cannot be reached.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Encounter</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Document</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Observation</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Report</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Problem</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Allergy</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Prescription</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Immunization</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Coverage</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Appointment</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Other record</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Nothing in this chart may be opened by breaking the glass.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>conflict</name>
        <message>
            <source>What</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Medication</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Type</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Description</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Status</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Clinical status</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Verification</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Severity</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Reaction</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Value</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Dosage</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Onset</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Resolved on</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Date</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Prescribed on</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Recorded on</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Start</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Text</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Conclusion</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Notes</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Name</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Birth date</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Sex</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Telephone</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Address</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Other details</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>(deleted)</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>devices</name>
        <message>
            <source>The access key could not be used.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The smart-card service is not running on this computer.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>No smart-card reader or access key is connected.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The access key was removed.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Wrong PIN. {tries_left} attempt(s) left before the key locks.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The access key is locked after too many wrong PINs. Call support.</source>
            <translation type="vanished" />
        </message>
        <message>
            <source>The virtual access key is only available in the demo and in tests.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The QHR access key is blocked: its PIN was entered wrong too many times, and the key cannot be used until it is unblocked. Contact the issuer of your QHR key (or your clinic's support) to have it unblocked with its PUK.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The PIN of the QHR access key has 6 to 8 digits; {length} were typed. Nothing was sent to the key: no attempt was used.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The PIN of the QHR access key has digits only (0 to 9). Nothing was sent to the key: no attempt was used.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>This card is not a QHR access key (or its middleware is not installed).</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The key on this access key is of a type ClinicDesk cannot use: ask the issuer of your QHR key for a key with an ECC P-256/P-384 or RSA 2048/3072 certificate.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Wrong PIN. The key locks after a few wrong PINs: type it carefully.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>language</name>
        <message>
            <source>Français (Canada)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>English</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>nam</name>
        <message>
            <source>The health insurance number is empty.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>A health insurance number has 12 characters.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The first 4 characters must be letters.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Characters 5 to 10 must be digits (birth date).</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Character 11 must be a digit 1-9 or a letter other than I and O.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The month must be 01-12 (men) or 51-62 (women).</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The birth date in the number is not a real date.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The check digit does not match.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The number does not match the patient's recorded birth date.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The number does not match the patient's recorded sex.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>notes</name>
        <message>
            <source>You may not write notes in this chart.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The note is empty.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>op</name>
        <message>
            <source>Something went wrong. Try again; if it happens again, call technical support.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>ClinicDesk</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>profession</name>
        <message>
            <source>Physician</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Resident</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Nurse</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Auxiliary nurse</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Nurse practitioner</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Pharmacist</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Extern</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Receptionist</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Clinic administrator</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Technical support</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>qhr</name>
        <message>
            <source>Externs cannot access the QHR.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Your role does not give access to the QHR.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Your username contains letters: use the production QHR.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Technical support needs an account id of seven digits: ask your administrator.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Your CMQ practice number is not in your profile: ask your administrator.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>No institution is recorded in your profile: ask your administrator.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Your institution's RAMQ billing number is missing. Ask your manager to provide it (a private clinic needs a unique identification number instead).</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Complete the access form: your account predates February 2018.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Your QHR key identifier is not in your profile: ask your administrator.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Plug in your QHR key.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The QHR key plugged in is not the one in your profile: plug in your own key.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The QHR viewer could not be opened.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The QHR session is closed: plug in your key and enter your PIN again.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The QHR service cannot be reached. Try again in a moment.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The QHR session has expired: enter your PIN again.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The QHR service refused access with this key.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>ramq</name>
        <message>
            <source>Enter the full name of the establishment.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Choose the import type: FMG or non-FMG (one per institution).</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>An FMG import needs the FMG reference number (1XXX).</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The FMG reference number has the form 1XXX.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>A non-FMG import has no FMG reference number: leave it empty.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Enter the AIP access code given by RAMQ (letters and digits).</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Enter the password of this AIP access code.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The two AIP identifiers must be different.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>This AIP access code is already used by another system: an AIP code may be used by one system at a time. Ask RAMQ for codes reserved for ClinicDesk.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The place-of-follow-up number is the billing establishment number, 5XXXX or 6XXXX.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Enter a CE identifier (administrative staff) or an IP identifier (solo physician).</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Enter the full name (first and last) of the CE identifier's owner.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Enter the password of the CE identifier.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The central server cannot be reached and this NAM has not been looked up on this workstation before.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>This is not a valid health insurance number (NAM).</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Only an authorised administrator may use this form.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>search</name>
        <message>
            <source>Type what to search for. Search by health insurance number, chart number, or surname, first name and birth date.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The search is too long. Search by health insurance number, chart number, or surname, first name and birth date.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Wildcards (* % ? _) are not allowed: a search finds one person. Search by health insurance number, chart number, or surname, first name and birth date.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Names may contain only letters, spaces, hyphens and apostrophes. Search by health insurance number, chart number, or surname, first name and birth date.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Type the full surname and first name, not initials or the first letters.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Add the surname and first name: a search needs the surname, first name and birth date.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Add the first name: a search needs the surname, first name and birth date.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Add the birth date (e.g. 1985-03-14 or 14/03/1985): a search needs the surname, first name and birth date.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Type a single birth date.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The birth date is not a real date: type it as YYYY-MM-DD or DD/MM/YYYY.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The birth date is in the future.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>More than {count} patients match: refine your search (add the NAM or the birth date).</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Not in this workstation's cache — connect to search the clinic.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>server</name>
        <message>
            <source>The server address must start with https:// (a connection without encryption would send your password and the charts in clear). Only this computer's own address (localhost, 127.0.0.1) may use http://.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>This is not a server address: write it as https://emr.example.qc.ca</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>session</name>
        <message>
            <source>Wrong username or password.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The central server cannot be reached, and you have never signed in on this workstation: sign in once while the server is reachable.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Sign-in in the web browser was not completed. Try again.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The web browser could not be opened to sign in to the server.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>You signed in in the web browser as another user than the one entered here.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>This server offers no sign-in that ClinicDesk can use.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Choose a passphrase of at least {n} characters: a few words you will remember, spaces allowed.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>This passphrase is too easy to guess (your username, a common password or a simple sequence): choose another one.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Type your passphrase again to confirm it.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The two passphrases differ: type the same passphrase in both fields.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>store</name>
        <message>
            <source>The local chart store failed.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>There is no local store for this user on this computer.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>A local store already exists for this user.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The password is not correct.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The key of the local store is missing from the system keyring. The store was kept; sign in online to rebuild it, or ask support to restore the keyring entry.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The key found does not belong to this local store. The store was kept unchanged.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The local store is damaged and cannot be read. It was kept unchanged for support.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The local store was written by a newer version of ClinicDesk (version {found}, this one knows up to {known}). Install the newer version to open it.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The disk is full: the change was not saved. Free some space and try again.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>No secure system keyring is available (found: {backend}). ClinicDesk will not keep patient data under a key stored in plain text.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The system keyring could not be reached. Sign in to your session again and retry.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The local store is closed.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The key file beside the local store is missing. The store was kept unchanged; restore the file, or sign in online to rebuild the store.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Too many wrong passwords. Try again in {seconds} s.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>sync</name>
        <message>
            <source>Please sign in again to the central server.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The central server refused access to this record.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>This record is no longer on the central server.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Someone else changed this record; choose which version to keep.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The central server rejected a request (error {status}).</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The central server has a problem (error {status}).</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The central server cannot be reached.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The central server did not answer in time.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The central server sent an answer that cannot be read.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Working offline: changes are kept and will be sent when the server is back.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The central server's certificate is not trusted; the connection was refused.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Too many failed sign-in attempts for this account or from this workstation. Try again in {minutes} min.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>The central server sent only part of this record; nothing of it was saved. Try again later; if it persists, tell the server's administrator.</source>
            <translation type="unfinished" />
        </message>
    </context>
</TS>
