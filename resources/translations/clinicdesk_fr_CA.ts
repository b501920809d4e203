<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr_CA" sourcelanguage="en">
    <context>
        <name>AccessLog</name>
        <message>
            <source>Read</source>
            <translation type="vanished">Lecture</translation>
        </message>
        <message>
            <source>Read (break the glass)</source>
            <translation type="vanished">Lecture (bris de verre)</translation>
        </message>
        <message>
            <source>Refused</source>
            <translation type="vanished">Refusé</translation>
        </message>
        <message>
            <source>Search</source>
            <translation type="vanished">Recherche</translation>
        </message>
        <message>
            <source>Export</source>
            <translation type="vanished">Exportation</translation>
        </message>
        <message>
            <source>Access log read</source>
            <translation type="vanished">Consultation du journal des accès</translation>
        </message>
        <message>
            <source>Access log review</source>
            <translation type="vanished">Revue du journal des accès</translation>
        </message>
        <message>
            <source>Created</source>
            <translation type="vanished">Création</translation>
        </message>
        <message>
            <source>Changed</source>
            <translation type="vanished">Modification</translation>
        </message>
        <message>
            <source>Deleted</source>
            <translation type="vanished">Suppression</translation>
        </message>
        <message>
            <source>Printed</source>
            <translation type="vanished">Impression</translation>
        </message>
        <message>
            <source>This workstation</source>
            <translation type="vanished">Ce poste</translation>
        </message>
        <message>
            <source>Central server</source>
            <translation type="vanished">Serveur central</translation>
        </message>
    </context>
    <context>
        <name>AccessLogDialog</name>
        <message>
            <source>Reading the access log…</source>
            <translation>Lecture du journal des accès…</translation>
        </message>
        <message>
            <source>No access recorded.</source>
            <translation>Aucun accès enregistré.</translation>
        </message>
        <message>
            <source>Access log</source>
            <translation>Journal des accès</translation>
        </message>
        <message>
            <source>This workstation's access log</source>
            <translation>Journal des accès de ce poste</translation>
        </message>
        <message>
            <source>Who read this patient's record, when and from which workstation; break-the-glass reasons are shown. Opening this log is itself recorded.</source>
            <translation>Qui a consulté le dossier de ce patient, quand et depuis quel poste; les motifs de bris de verre sont affichés. L'ouverture de ce journal est elle-même enregistrée.</translation>
        </message>
        <message>
            <source>Every access recorded on this workstation, for review by the privacy officer. Opening this log is itself recorded.</source>
            <translation>Tous les accès enregistrés sur ce poste, pour la revue par le responsable de la protection des renseignements personnels. L'ouverture de ce journal est elle-même enregistrée.</translation>
        </message>
        <message>
            <source>When</source>
            <translation>Quand</translation>
        </message>
        <message>
            <source>Who</source>
            <translation>Qui</translation>
        </message>
        <message>
            <source>Information</source>
            <translation>Information</translation>
        </message>
        <message>
            <source>Action</source>
            <translation>Action</translation>
        </message>
        <message>
            <source>Workstation</source>
            <translation>Poste</translation>
        </message>
        <message>
            <source>Reason</source>
            <translation>Motif</translation>
        </message>
        <message>
            <source>Source</source>
            <translation>Source</translation>
        </message>
        <message>
            <source>Export as CSV…</source>
            <translation>Exporter en CSV…</translation>
        </message>
        <message>
            <source>Export as FHIR…</source>
            <translation>Exporter en FHIR…</translation>
        </message>
        <message>
            <source>Export the access log</source>
            <translation>Exporter le journal des accès</translation>
        </message>
        <message>
            <source>Exported.</source>
            <translation>Exporté.</translation>
        </message>
        <message>
            <source>Read</source>
            <translation>Lecture</translation>
        </message>
        <message>
            <source>Read (break the glass)</source>
            <translation>Lecture (bris de verre)</translation>
        </message>
        <message>
            <source>Refused</source>
            <translation>Refusé</translation>
        </message>
        <message>
            <source>Search</source>
            <translation>Recherche</translation>
        </message>
        <message>
            <source>Export</source>
            <translation>Exportation</translation>
        </message>
        <message>
            <source>Access log read</source>
            <translation>Consultation du journal des accès</translation>
        </message>
        <message>
            <source>Access log review</source>
            <translation>Revue du journal des accès</translation>
        </message>
        <message>
            <source>Created</source>
            <translation>Création</translation>
        </message>
        <message>
            <source>Changed</source>
            <translation>Modification</translation>
        </message>
        <message>
            <source>Deleted</source>
            <translation>Suppression</translation>
        </message>
        <message>
            <source>Printed</source>
            <translation>Impression</translation>
        </message>
        <message>
            <source>Identification</source>
            <translation>Identification</translation>
        </message>
        <message>
            <source>RAMQ registration</source>
            <translation>Inscription RAMQ</translation>
        </message>
        <message>
            <source>Appointments</source>
            <translation>Rendez-vous</translation>
        </message>
        <message>
            <source>Problems</source>
            <translation>Problèmes</translation>
        </message>
        <message>
            <source>Allergies</source>
            <translation>Allergies</translation>
        </message>
        <message>
            <source>Medications</source>
            <translation>Médicaments</translation>
        </message>
        <message>
            <source>Laboratory results</source>
            <translation>Résultats de laboratoire</translation>
        </message>
        <message>
            <source>Notes</source>
            <translation>Notes</translation>
        </message>
        <message>
            <source>Documents</source>
            <translation>Documents</translation>
        </message>
        <message>
            <source>QHR</source>
            <translation>DSQ</translation>
        </message>
        <message>
            <source>This workstation</source>
            <translation>Ce poste</translation>
        </message>
        <message>
            <source>Central server</source>
            <translation>Serveur central</translation>
        </message>
    </context>
    <context>
        <name>AccountRequestForm</name>
        <message>
            <source>First name</source>
            <translation>Prénom</translation>
        </message>
        <message>
            <source>Last name</source>
            <translation>Nom</translation>
        </message>
        <message>
            <source>Personal e-mail (not shared)</source>
            <translation>Courriel personnel (non partagé)</translation>
        </message>
        <message>
            <source>Practice number</source>
            <translation>Numéro de pratique</translation>
        </message>
        <message>
            <source>Prescriber number</source>
            <translation>Numéro de prescripteur</translation>
        </message>
        <message>
            <source>Reference account (last name, first name)</source>
            <translation>Compte de référence (nom, prénom)</translation>
        </message>
        <message>
            <source>Reference account id</source>
            <translation>Identifiant du compte de référence</translation>
        </message>
        <message>
            <source>Billing name and client number</source>
            <translation>Nom de facturation et numéro de client</translation>
        </message>
        <message>
            <source>Clinique Exemple - 123</source>
            <translation>Clinique Exemple - 123</translation>
        </message>
        <message>
            <source>This user had an account before</source>
            <translation>Cet utilisateur a déjà eu un compte</translation>
        </message>
        <message>
            <source>Administrative account (administrative staff only)</source>
            <translation>Compte administratif (personnel administratif seulement)</translation>
        </message>
        <message>
            <source>Occupation</source>
            <translation>Profession</translation>
        </message>
        <message>
            <source>Primary institution</source>
            <translation>Établissement principal</translation>
        </message>
        <message>
            <source>Laboratory registrations (one per line: laboratory: number)</source>
            <translation>Inscriptions aux laboratoires (une par ligne : laboratoire : numéro)</translation>
        </message>
        <message>
            <source>Comment (special rights)</source>
            <translation>Commentaire (droits particuliers)</translation>
        </message>
        <message>
            <source>Send the request</source>
            <translation>Envoyer la demande</translation>
        </message>
        <message>
            <source>Request sent. The account takes up to 3 business days; you will see here when the welcome e-mail is sent.</source>
            <translation>Demande envoyée. La création du compte prend jusqu'à 3 jours ouvrables; vous verrez ici quand le courriel de bienvenue sera envoyé.</translation>
        </message>
        <message>
            <source>{name}: {status} (expected by {due})</source>
            <translation>{name} : {status} (prévu au plus tard le {due})</translation>
        </message>
    </context>
    <context>
        <name>BreakGlassDialog</name>
        <message>
            <source>Break the glass</source>
            <translation>Bris de verre</translation>
        </message>
        <message>
            <source>Type why you must see this information now (a full sentence). The reason is recorded with each section you open, the access is reviewed, and the sections close again after {minutes} minutes.</source>
            <translation>Écrivez pourquoi vous devez voir ces renseignements maintenant (une phrase complète). La raison est consignée avec chaque section ouverte, l’accès sera révisé, et les sections se referment après {minutes} minutes.</translation>
        </message>
        <message>
            <source>Open the withheld sections</source>
            <translation>Ouvrir les sections retenues</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>Annuler</translation>
        </message>
    </context>
    <context>
        <name>ChartView</name>
        <message>
            <source>Summary</source>
            <translation>Sommaire</translation>
        </message>
        <message>
            <source>Problems</source>
            <translation>Problèmes</translation>
        </message>
        <message>
            <source>Allergies</source>
            <translation>Allergies</translation>
        </message>
        <message>
            <source>Medications</source>
            <translation>Médicaments</translation>
        </message>
        <message>
            <source>Laboratory results</source>
            <translation>Résultats de laboratoire</translation>
        </message>
        <message>
            <source>Encounters and notes</source>
            <translation>Rencontres et notes</translation>
        </message>
        <message>
            <source>Documents</source>
            <translation>Documents</translation>
        </message>
        <message>
            <source>Imaging</source>
            <translation>Imagerie</translation>
        </message>
        <message>
            <source>Loading…</source>
            <translation>Chargement…</translation>
        </message>
        <message>
            <source>Glass broken: withheld sections are open until {time}, and this access will be reviewed.</source>
            <translation>Bris de verre : les sections retenues sont ouvertes jusqu’à {time}; cet accès sera révisé.</translation>
        </message>
        <message>
            <source>{n} change(s) in this chart not yet sent to the clinic's server.</source>
            <translation>{n} modification(s) de ce dossier pas encore envoyée(s) au serveur de la clinique.</translation>
        </message>
    </context>
    <context>
        <name>ConflictDialog</name>
        <message>
            <source>Conflicts to resolve</source>
            <translation>Conflits à résoudre</translation>
        </message>
        <message>
            <source>Someone changed these records on the server after you changed them here. Compare the two versions (▶ marks what differs) and choose the one to keep.</source>
            <translation type="vanished">Quelqu'un a modifié ces éléments sur le serveur après que vous les avez modifiés ici. Comparez les deux versions (▶ marque les différences) et choisissez celle à garder.</translation>
        </message>
        <message>
            <source>This workstation's version</source>
            <translation type="vanished">Version de ce poste</translation>
        </message>
        <message>
            <source>The server's version</source>
            <translation type="vanished">Version du serveur</translation>
        </message>
        <message>
            <source>Keep mine</source>
            <translation>Garder la mienne</translation>
        </message>
        <message>
            <source>Keep the server's</source>
            <translation>Garder celle du serveur</translation>
        </message>
        <message>
            <source>Field</source>
            <translation>Champ</translation>
        </message>
        <message>
            <source>This workstation</source>
            <translation>Ce poste</translation>
        </message>
        <message>
            <source>The clinic's server</source>
            <translation>Le serveur de la clinique</translation>
        </message>
        <message>
            <source>Someone changed these records on the clinic's server after you changed them here. Compare the two versions (▶ marks what differs) and choose the one to keep.</source>
            <translation>Quelqu’un a modifié ces éléments sur le serveur de la clinique après que vous les avez modifiés ici. Comparez les deux versions (▶ marque ce qui diffère) et choisissez celle à garder.</translation>
        </message>
        <message>
            <source>No conflict to resolve: every change made here was accepted by the clinic's server.</source>
            <translation>Aucun conflit à résoudre : chaque modification faite ici a été acceptée par le serveur de la clinique.</translation>
        </message>
        <message>
            <source>patient not on this workstation</source>
            <translation>patient absent de ce poste</translation>
        </message>
    </context>
    <context>
        <name>EntryList</name>
        <message>
            <source>Date</source>
            <translation>Date</translation>
        </message>
        <message>
            <source>Item</source>
            <translation>Élément</translation>
        </message>
        <message>
            <source>Details</source>
            <translation>Détails</translation>
        </message>
        <message>
            <source>Flag</source>
            <translation>Indicateur</translation>
        </message>
        <message>
            <source>Stopped</source>
            <translation>Cessé</translation>
        </message>
        <message>
            <source>Not sent</source>
            <translation>Non envoyé</translation>
        </message>
    </context>
    <context>
        <name>FaceSheetPage</name>
        <message>
            <source>Active problems</source>
            <translation>Problèmes actifs</translation>
        </message>
        <message>
            <source>Allergies</source>
            <translation>Allergies</translation>
        </message>
        <message>
            <source>Current medications</source>
            <translation>Médicaments actuels</translation>
        </message>
        <message>
            <source>Stopped medications</source>
            <translation>Médicaments cessés</translation>
        </message>
        <message>
            <source>Latest vital signs</source>
            <translation>Derniers signes vitaux</translation>
        </message>
        <message>
            <source>Latest results</source>
            <translation>Derniers résultats</translation>
        </message>
        <message>
            <source>Visits</source>
            <translation>Visites</translation>
        </message>
        <message>
            <source>Withheld from you: </source>
            <translation>Retenu pour vous : </translation>
        </message>
        <message>
            <source>Loading…</source>
            <translation>Chargement…</translation>
        </message>
        <message>
            <source>None recorded</source>
            <translation>Aucun inscrit</translation>
        </message>
        <message>
            <source>Last visit</source>
            <translation>Dernière visite</translation>
        </message>
        <message>
            <source>Next visit</source>
            <translation>Prochaine visite</translation>
        </message>
        <message>
            <source>none</source>
            <translation>aucune</translation>
        </message>
        <message>
            <source>Not available to your role.</source>
            <translation type="vanished">Non accessible à votre rôle.</translation>
        </message>
        <message>
            <source>Clinical information is not available to your role.</source>
            <translation>Les renseignements cliniques ne sont pas accessibles à votre rôle.</translation>
        </message>
    </context>
    <context>
        <name>ImportConfigForm</name>
        <message>
            <source>Full name of the establishment</source>
            <translation>Nom complet de l'établissement</translation>
        </message>
        <message>
            <source>FMG reference number (1XXX)</source>
            <translation>Numéro de référence du GMF (1XXX)</translation>
        </message>
        <message>
            <source>AIP access code (first identifier)</source>
            <translation>Code d'accès AIP (premier identifiant)</translation>
        </message>
        <message>
            <source>Password of the first AIP code</source>
            <translation>Mot de passe du premier code AIP</translation>
        </message>
        <message>
            <source>AIP access code (second identifier)</source>
            <translation>Code d'accès AIP (deuxième identifiant)</translation>
        </message>
        <message>
            <source>Password of the second AIP code</source>
            <translation>Mot de passe du deuxième code AIP</translation>
        </message>
        <message>
            <source>RAMQ place-of-follow-up number (5XXXX or 6XXXX)</source>
            <translation>Numéro de lieu de suivi RAMQ (5XXXX ou 6XXXX)</translation>
        </message>
        <message>
            <source>CE identifier (or IP identifier, solo physician)</source>
            <translation>Identifiant CE (ou identifiant IP, médecin seul)</translation>
        </message>
        <message>
            <source>Full name of the CE identifier's owner</source>
            <translation>Nom complet du propriétaire de l'identifiant CE</translation>
        </message>
        <message>
            <source>CE identifier password</source>
            <translation>Mot de passe de l'identifiant CE</translation>
        </message>
        <message>
            <source>Import type (one per institution)</source>
            <translation>Type d'importation (un par établissement)</translation>
        </message>
        <message>
            <source>FMG</source>
            <translation>GMF</translation>
        </message>
        <message>
            <source>Non-FMG</source>
            <translation>Hors GMF</translation>
        </message>
        <message>
            <source>unchanged (never shown again)</source>
            <translation>inchangé (jamais réaffiché)</translation>
        </message>
        <message>
            <source>Save the configuration</source>
            <translation>Enregistrer la configuration</translation>
        </message>
        <message>
            <source>Import now</source>
            <translation>Importer maintenant</translation>
        </message>
        <message>
            <source>Configuration saved.</source>
            <translation>Configuration enregistrée.</translation>
        </message>
        <message>
            <source>Last attempt: {at}.</source>
            <translation>Dernière tentative : {at}.</translation>
        </message>
        <message>
            <source>Failing since {since}.</source>
            <translation>En échec depuis {since}.</translation>
        </message>
    </context>
    <context>
        <name>LabsPage</name>
        <message>
            <source>Test</source>
            <translation>Analyse</translation>
        </message>
        <message>
            <source>Latest result</source>
            <translation>Dernier résultat</translation>
        </message>
        <message>
            <source>Date</source>
            <translation>Date</translation>
        </message>
        <message>
            <source>Result</source>
            <translation>Résultat</translation>
        </message>
        <message>
            <source>Reference range</source>
            <translation>Valeurs de référence</translation>
        </message>
        <message>
            <source>Other results</source>
            <translation>Autres résultats</translation>
        </message>
        <message>
            <source>Details</source>
            <translation>Détails</translation>
        </message>
        <message>
            <source>Flag</source>
            <translation>Indicateur</translation>
        </message>
    </context>
    <context>
        <name>LockPage</name>
        <message>
            <source>Session locked</source>
            <translation>Session verrouillée</translation>
        </message>
        <message>
            <source>ClinicDesk locked itself after a period without activity. Type your password to continue.</source>
            <translation>ClinicDesk s'est verrouillé après une période d'inactivité. Entrez votre mot de passe pour continuer.</translation>
        </message>
        <message>
            <source>Password</source>
            <translation>Mot de passe</translation>
        </message>
        <message>
            <source>Unlock</source>
            <translation>Déverrouiller</translation>
        </message>
        <message>
            <source>Sign out</source>
            <translation>Se déconnecter</translation>
        </message>
        <message>
            <source>Wrong password.</source>
            <translation>Mot de passe incorrect.</translation>
        </message>
    </context>
    <context>
        <name>MainWindow</name>
        <message>
            <source>ClinicDesk</source>
            <translation>ClinicDesk</translation>
        </message>
        <message>
            <source>&amp;File</source>
            <translation>&amp;Fichier</translation>
        </message>
        <message>
            <source>&amp;Patient</source>
            <translation>&amp;Patient</translation>
        </message>
        <message>
            <source>&amp;Tools</source>
            <translation>&amp;Outils</translation>
        </message>
        <message>
            <source>Find a patient</source>
            <translation>Trouver un patient</translation>
        </message>
        <message>
            <source>Close the chart</source>
            <translation>Fermer le dossier</translation>
        </message>
        <message>
            <source>Synchronise now</source>
            <translation>Synchroniser maintenant</translation>
        </message>
        <message>
            <source>Lock</source>
            <translation>Verrouiller</translation>
        </message>
        <message>
            <source>Sign out</source>
            <translation>Se déconnecter</translation>
        </message>
        <message>
            <source>Quit</source>
            <translation>Quitter</translation>
        </message>
        <message>
            <source>Settings…</source>
            <translation>Paramètres…</translation>
        </message>
        <message>
            <source>&amp;Find a patient</source>
            <translation type="vanished">&amp;Trouver un patient</translation>
        </message>
        <message>
            <source>NAM, name and birth date, or chart number</source>
            <translation type="vanished">NAM, nom + naissance, ou n° de dossier</translation>
        </message>
        <message>
            <source>Search for one patient to open the chart.
Enter searches; the arrow keys pick; Enter opens.</source>
            <translation type="vanished">Cherchez un patient pour ouvrir son dossier.
Entrée lance la recherche; les flèches choisissent; Entrée ouvre.</translation>
        </message>
        <message>
            <source>Signed in offline: the central server cannot be reached. You are working from this workstation's copy; your changes will be sent when the server is back.</source>
            <translation type="vanished">Connexion hors ligne : le serveur central est injoignable. Vous travaillez avec la copie de ce poste; vos modifications seront envoyées au retour du serveur.</translation>
        </message>
        <message>
            <source>Searching…</source>
            <translation type="vanished">Recherche en cours…</translation>
        </message>
        <message>
            <source>No patient found.</source>
            <translation type="vanished">Aucun patient trouvé.</translation>
        </message>
        <message>
            <source>Opening the chart…</source>
            <translation type="vanished">Ouverture du dossier…</translation>
        </message>
        <message>
            <source>Resolve conflicts…</source>
            <translation>Résoudre les conflits…</translation>
        </message>
        <message>
            <source>RAMQ services…</source>
            <translation>Services de la RAMQ…</translation>
        </message>
        <message>
            <source>Remove the virtual QHR key</source>
            <translation>Retirer la clé DSQ virtuelle</translation>
        </message>
        <message>
            <source>Insert the virtual QHR key</source>
            <translation>Insérer la clé DSQ virtuelle</translation>
        </message>
        <message>
            <source>New note…</source>
            <translation>Nouvelle note…</translation>
        </message>
        <message>
            <source>Today's schedule</source>
            <translation>Horaire du jour</translation>
        </message>
        <message>
            <source>Who read this record…</source>
            <translation>Qui a consulté ce dossier…</translation>
        </message>
        <message>
            <source>Review this workstation's access log…</source>
            <translation>Revoir le journal des accès de ce poste…</translation>
        </message>
        <message>
            <source>Search for one patient to open the chart, or open one from the day's schedule.
Enter searches; the arrow keys pick; Enter opens.</source>
            <translation>Recherchez un patient pour ouvrir son dossier, ou ouvrez-en un depuis l'horaire du jour.
Entrée lance la recherche; les flèches choisissent; Entrée ouvre.</translation>
        </message>
    </context>
    <context>
        <name>NoteEditor</name>
        <message>
            <source>New note</source>
            <translation>Nouvelle note</translation>
        </message>
        <message>
            <source>Save</source>
            <translation>Enregistrer</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>Annuler</translation>
        </message>
        <message>
            <source>Type the note. Ctrl+Enter saves it.</source>
            <translation>Tapez la note. Ctrl+Entrée l’enregistre.</translation>
        </message>
        <message>
            <source>Saving…</source>
            <translation>Enregistrement…</translation>
        </message>
        <message>
            <source>New note — {patient}</source>
            <translation>Nouvelle note — {patient}</translation>
        </message>
        <message>
            <source>Note in the chart of {patient}</source>
            <translation>Note au dossier de {patient}</translation>
        </message>
        <message>
            <source>You may not write notes in this chart: the patient is not yours and you hold no mandate for them, or your role does not allow it.</source>
            <translation>Vous ne pouvez pas écrire de note dans ce dossier : ce patient n’est pas le vôtre et vous n’avez pas de mandat pour lui, ou votre rôle ne le permet pas.</translation>
        </message>
    </context>
    <context>
        <name>PasswordWait</name>
        <message>
            <source>Too many wrong passwords: try again in {seconds} s.</source>
            <translation>Trop de mots de passe erronés : réessayez dans {seconds} s.</translation>
        </message>
    </context>
    <context>
        <name>PatientBanner</name>
        <message>
            <source>Female</source>
            <translation>Femme</translation>
        </message>
        <message>
            <source>Male</source>
            <translation>Homme</translation>
        </message>
        <message>
            <source>Other</source>
            <translation>Autre</translation>
        </message>
        <message>
            <source>Sex unknown</source>
            <translation>Sexe inconnu</translation>
        </message>
        <message>
            <source>Sex not recorded</source>
            <translation>Sexe non inscrit</translation>
        </message>
        <message>
            <source>{n} years</source>
            <translation>{n} ans</translation>
        </message>
        <message>
            <source>age unknown</source>
            <translation>âge inconnu</translation>
        </message>
        <message>
            <source>Born {date}</source>
            <translation>Né(e) le {date}</translation>
        </message>
        <message>
            <source>NAM {nam}</source>
            <translation>NAM {nam}</translation>
        </message>
        <message>
            <source>Chart {number}</source>
            <translation>Dossier {number}</translation>
        </message>
        <message>
            <source>Family physician: {name}</source>
            <translation>Médecin de famille : {name}</translation>
        </message>
        <message>
            <source>none recorded</source>
            <translation>aucun inscrit</translation>
        </message>
        <message>
            <source>SEVERE ALLERGIES</source>
            <translation>ALLERGIES GRAVES</translation>
        </message>
        <message>
            <source>Allergies</source>
            <translation>Allergies</translation>
        </message>
        <message>
            <source>No known allergies</source>
            <translation>Aucune allergie connue</translation>
        </message>
        <message>
            <source>Allergies not recorded: ask the patient</source>
            <translation>Allergies non inscrites : demandez au patient</translation>
        </message>
        <message>
            <source>Allergies withheld from you (restricted): they may exist</source>
            <translation>Allergies retenues pour vous (accès restreint) : il peut y en avoir</translation>
        </message>
    </context>
    <context>
        <name>PinDialog</name>
        <message>
            <source>QHR access key</source>
            <translation>Clé d'accès DSQ</translation>
        </message>
        <message>
            <source>Type the PIN of your QHR access key.</source>
            <translation type="vanished">Entrez le NIP de votre clé d'accès DSQ.</translation>
        </message>
        <message>
            <source>{n} attempt(s) left before the key locks.</source>
            <translation>Il reste {n} essai(s) avant le blocage de la clé.</translation>
        </message>
        <message>
            <source>Insert your QHR access key, then choose OK.</source>
            <translation>Insérez votre clé d'accès DSQ, puis choisissez OK.</translation>
        </message>
        <message>
            <source>Type the PIN of your QHR access key (6 to 8 digits).</source>
            <translation>Entrez le NIP de votre clé d'accès DSQ (6 à 8 chiffres).</translation>
        </message>
        <message>
            <source>Last attempt: one more wrong PIN blocks the key.</source>
            <translation>Dernier essai : un autre NIP incorrect bloquera la clé.</translation>
        </message>
    </context>
    <context>
        <name>QhrPanel</name>
        <message>
            <source>Insert your QHR access key to open the viewer.</source>
            <translation>Insérez votre clé d'accès DSQ pour ouvrir le visualiseur.</translation>
        </message>
        <message>
            <source>QHR access key detected.</source>
            <translation>Clé d'accès DSQ détectée.</translation>
        </message>
        <message>
            <source>Enter your PIN to open the QHR session.</source>
            <translation>Entrez votre NIP pour ouvrir la session DSQ.</translation>
        </message>
        <message>
            <source>QHR session open.</source>
            <translation>Session DSQ ouverte.</translation>
        </message>
        <message>
            <source>Québec Health Record (QHR)</source>
            <translation>Dossier santé Québec (DSQ)</translation>
        </message>
        <message>
            <source>QHR eligibility cannot be checked on this workstation.</source>
            <translation>L'admissibilité au DSQ ne peut pas être vérifiée sur ce poste.</translation>
        </message>
        <message>
            <source>You may use the QHR viewer.</source>
            <translation>Vous pouvez utiliser le visualiseur du DSQ.</translation>
        </message>
        <message>
            <source>You may not use the QHR viewer, because:</source>
            <translation>Vous ne pouvez pas utiliser le visualiseur du DSQ, car :</translation>
        </message>
        <message>
            <source>The QHR viewer was cleared: the key was removed.</source>
            <translation>Le visualiseur du DSQ a été vidé : la clé a été retirée.</translation>
        </message>
        <message>
            <source>The QHR viewer was cleared after a period without activity.</source>
            <translation>Le visualiseur du DSQ a été vidé après une période d'inactivité.</translation>
        </message>
        <message>
            <source>The QHR viewer was cleared: you signed out.</source>
            <translation>Le visualiseur du DSQ a été vidé : vous vous êtes déconnecté.</translation>
        </message>
        <message>
            <source>The QHR viewer was cleared: another person's key was plugged in.</source>
            <translation>Le visualiseur du DSQ a été vidé : la clé d'une autre personne a été branchée.</translation>
        </message>
        <message>
            <source>The QHR viewer was cleared: the session expired.</source>
            <translation>Le visualiseur du DSQ a été vidé : la session a expiré.</translation>
        </message>
        <message>
            <source>The QHR viewer was closed.</source>
            <translation>Le visualiseur du DSQ a été fermé.</translation>
        </message>
        <message>
            <source>The smart-card service is not running: the access key cannot be read. Call technical support.</source>
            <translation>Le service de cartes à puce ne fonctionne pas : la clé d'accès ne peut pas être lue. Appelez le soutien technique.</translation>
        </message>
        <message>
            <source>Open the QHR session</source>
            <translation>Ouvrir la session DSQ</translation>
        </message>
        <message>
            <source>Your QHR access key is blocked: its PIN was entered wrong too many times. Contact the issuer of your QHR key (or your clinic's support) to have it unblocked with its PUK, then plug it in again.</source>
            <translation>Votre clé d'accès DSQ est bloquée : son NIP a été mal entré trop de fois. Communiquez avec l'émetteur de votre clé DSQ (ou le soutien de votre clinique) pour la faire débloquer avec son PUK, puis rebranchez-la.</translation>
        </message>
        <message>
            <source>The QHR viewer cannot be opened: your access key is blocked.</source>
            <translation>Le visualiseur DSQ ne peut pas être ouvert : votre clé d'accès est bloquée.</translation>
        </message>
        <message>
            <source>QHR viewer: {reason}</source>
            <translation>Visualiseur du DSQ : {reason}</translation>
        </message>
    </context>
    <context>
        <name>QhrTabs</name>
        <message>
            <source>Laboratory results</source>
            <translation>Résultats de laboratoire</translation>
        </message>
        <message>
            <source>Imaging reports</source>
            <translation>Rapports d'imagerie</translation>
        </message>
        <message>
            <source>Medication profile</source>
            <translation>Profil pharmacologique</translation>
        </message>
        <message>
            <source>Test / date</source>
            <translation>Analyse / date</translation>
        </message>
        <message>
            <source>Result</source>
            <translation>Résultat</translation>
        </message>
        <message>
            <source>Reference range</source>
            <translation>Valeurs de référence</translation>
        </message>
        <message>
            <source>Date</source>
            <translation>Date</translation>
        </message>
        <message>
            <source>Examination</source>
            <translation>Examen</translation>
        </message>
        <message>
            <source>Status</source>
            <translation>Statut</translation>
        </message>
        <message>
            <source>Drug</source>
            <translation>Médicament</translation>
        </message>
        <message>
            <source>DIN</source>
            <translation>DIN</translation>
        </message>
        <message>
            <source>Strength</source>
            <translation>Teneur</translation>
        </message>
        <message>
            <source>Dosage</source>
            <translation>Posologie</translation>
        </message>
        <message>
            <source>Quantity</source>
            <translation>Quantité</translation>
        </message>
        <message>
            <source>Pharmacy</source>
            <translation>Pharmacie</translation>
        </message>
        <message>
            <source>First dispensed</source>
            <translation>Premier service</translation>
        </message>
        <message>
            <source>Last dispensed</source>
            <translation>Dernier service</translation>
        </message>
        <message>
            <source>Active</source>
            <translation>Actif</translation>
        </message>
        <message>
            <source>Stopped</source>
            <translation>Cessé</translation>
        </message>
    </context>
    <context>
        <name>QhrViewer</name>
        <message>
            <source>The QHR can only be reached while the central server answers: sign in online.</source>
            <translation>Le DSQ n'est accessible que lorsque le serveur central répond : ouvrez une session en ligne.</translation>
        </message>
        <message>
            <source>This patient has no health insurance number (NAM): the QHR cannot be searched.</source>
            <translation>Ce patient n'a pas de numéro d'assurance maladie (NAM) : le DSQ ne peut pas être consulté.</translation>
        </message>
    </context>
    <context>
        <name>RamqAdmin</name>
        <message>
            <source>No import yet.</source>
            <translation>Aucune importation pour l'instant.</translation>
        </message>
        <message>
            <source>Last import succeeded.</source>
            <translation>La dernière importation a réussi.</translation>
        </message>
        <message>
            <source>Last import succeeded with the second AIP identifier: the first one fails.</source>
            <translation>La dernière importation a réussi avec le deuxième identifiant AIP : le premier échoue.</translation>
        </message>
        <message>
            <source>Imports stopped: the access codes are refused ({credential}).</source>
            <translation>Importations arrêtées : les codes d'accès sont refusés ({credential}).</translation>
        </message>
        <message>
            <source>Imports stopped: the access codes have expired ({credential}).</source>
            <translation>Importations arrêtées : les codes d'accès sont expirés ({credential}).</translation>
        </message>
        <message>
            <source>Imports stopped: the CE identifier's owner has left; enter the new authorised CE identifier.</source>
            <translation>Importations arrêtées : le propriétaire de l'identifiant CE a quitté; saisissez le nouvel identifiant CE autorisé.</translation>
        </message>
        <message>
            <source>The last import failed.</source>
            <translation>La dernière importation a échoué.</translation>
        </message>
        <message>
            <source>submitted</source>
            <translation>soumise</translation>
        </message>
        <message>
            <source>in progress</source>
            <translation>en traitement</translation>
        </message>
        <message>
            <source>welcome e-mail sent</source>
            <translation>courriel de bienvenue envoyé</translation>
        </message>
    </context>
    <context>
        <name>RamqPanel</name>
        <message>
            <source>Asking RAMQ…</source>
            <translation>Interrogation de la RAMQ…</translation>
        </message>
        <message>
            <source>RAMQ: family physician and insurance</source>
            <translation>RAMQ : médecin de famille et assurance</translation>
        </message>
        <message>
            <source>&amp;Health insurance number (NAM)</source>
            <translation>Numéro d'assurance &amp;maladie (NAM)</translation>
        </message>
        <message>
            <source>Look up</source>
            <translation>Consulter</translation>
        </message>
        <message>
            <source>Family physician</source>
            <translation>Médecin de famille</translation>
        </message>
        <message>
            <source>Group / place</source>
            <translation>Groupe / lieu</translation>
        </message>
        <message>
            <source>Registered since</source>
            <translation>Inscrit depuis</translation>
        </message>
        <message>
            <source>Place-of-follow-up number</source>
            <translation>Numéro du lieu de suivi</translation>
        </message>
        <message>
            <source>FMG</source>
            <translation>GMF</translation>
        </message>
        <message>
            <source>Health insurance</source>
            <translation>Assurance maladie</translation>
        </message>
        <message>
            <source>Registered with a family physician.</source>
            <translation>Inscrit auprès d'un médecin de famille.</translation>
        </message>
        <message>
            <source>Not registered with a family physician.</source>
            <translation>Non inscrit auprès d'un médecin de famille.</translation>
        </message>
        <message>
            <source>Insured until {date}</source>
            <translation>Assuré jusqu'au {date}</translation>
        </message>
        <message>
            <source>Not insured</source>
            <translation>Non assuré</translation>
        </message>
        <message>
            <source>The central server cannot be reached: information as of {date}.</source>
            <translation>Le serveur central est injoignable : information en date du {date}.</translation>
        </message>
    </context>
    <context>
        <name>RamqWindow</name>
        <message>
            <source>RAMQ services</source>
            <translation>Services de la RAMQ</translation>
        </message>
        <message>
            <source>Family physician and insurance</source>
            <translation>Médecin de famille et assurance</translation>
        </message>
        <message>
            <source>Registration import</source>
            <translation>Importation des inscriptions</translation>
        </message>
        <message>
            <source>Account requests</source>
            <translation>Demandes de compte</translation>
        </message>
    </context>
    <context>
        <name>ReaderDialog</name>
        <message>
            <source>{type} — {date} — by {author}</source>
            <translation>{type} — {date} — par {author}</translation>
        </message>
        <message>
            <source>unknown author</source>
            <translation>auteur inconnu</translation>
        </message>
        <message>
            <source>Not sent to the clinic's server yet.</source>
            <translation>Pas encore envoyé au serveur de la clinique.</translation>
        </message>
        <message>
            <source>This PDF cannot be shown on this workstation.</source>
            <translation type="vanished">Ce PDF ne peut pas être affiché sur ce poste.</translation>
        </message>
        <message>
            <source>This PDF cannot be shown on this workstation (damaged, or no PDF viewer here).</source>
            <translation>Ce PDF ne peut pas être affiché sur ce poste (endommagé, ou aucun visualiseur PDF ici).</translation>
        </message>
    </context>
    <context>
        <name>SchedulePanel</name>
        <message>
            <source>Proposed</source>
            <translation>Proposé</translation>
        </message>
        <message>
            <source>Pending</source>
            <translation>En attente</translation>
        </message>
        <message>
            <source>Booked</source>
            <translation>Réservé</translation>
        </message>
        <message>
            <source>Arrived</source>
            <translation>Arrivé</translation>
        </message>
        <message>
            <source>Checked in</source>
            <translation>Inscrit</translation>
        </message>
        <message>
            <source>Seen</source>
            <translation>Vu</translation>
        </message>
        <message>
            <source>Cancelled</source>
            <translation>Annulé</translation>
        </message>
        <message>
            <source>No-show</source>
            <translation>Absent</translation>
        </message>
        <message>
            <source>Time</source>
            <translation>Heure</translation>
        </message>
        <message>
            <source>Patient</source>
            <translation>Patient</translation>
        </message>
        <message>
            <source>Birth date</source>
            <translation>Date de naissance</translation>
        </message>
        <message>
            <source>Reason</source>
            <translation>Motif</translation>
        </message>
        <message>
            <source>Status</source>
            <translation>Statut</translation>
        </message>
        <message>
            <source>Physician</source>
            <translation>Médecin</translation>
        </message>
        <message>
            <source>The clinic's schedule — {day}</source>
            <translation>Horaire de la clinique — {day}</translation>
        </message>
        <message>
            <source>Today's schedule — {day}</source>
            <translation>Horaire du jour — {day}</translation>
        </message>
        <message>
            <source>(not available on this workstation)</source>
            <translation>(non disponible sur ce poste)</translation>
        </message>
        <message>
            <source>Loading the day's appointments…</source>
            <translation>Chargement des rendez-vous du jour…</translation>
        </message>
        <message>
            <source>No appointments today.</source>
            <translation>Aucun rendez-vous aujourd'hui.</translation>
        </message>
    </context>
    <context>
        <name>SearchPanel</name>
        <message>
            <source>Searching…</source>
            <translation>Recherche en cours…</translation>
        </message>
        <message>
            <source>No patient found.</source>
            <translation>Aucun patient trouvé.</translation>
        </message>
        <message>
            <source>Opening the chart…</source>
            <translation>Ouverture du dossier…</translation>
        </message>
        <message>
            <source>&amp;Find a patient</source>
            <translation>&amp;Trouver un patient</translation>
        </message>
        <message>
            <source>NAM, name and birth date, or chart number</source>
            <translation type="vanished">NAM, nom + naissance, ou n° de dossier</translation>
        </message>
        <message>
            <source>Signed in offline: the central server cannot be reached. You are working from this workstation's copy; your changes will be sent when the server is back.</source>
            <translation>Connexion hors ligne : le serveur central est injoignable. Vous travaillez avec la copie de ce poste; vos modifications seront envoyées au retour du serveur.</translation>
        </message>
        <message>
            <source>NAM, name + birth date, or chart no.</source>
            <translation>NAM, nom + naissance, ou n° dossier</translation>
        </message>
        <message>
            <source>Type what to search for: NAM, chart number, or surname, first name and birth date.</source>
            <translation>Tapez ce que vous cherchez : NAM, numéro de dossier, ou nom, prénom et date de naissance.</translation>
        </message>
    </context>
    <context>
        <name>SettingsDialog</name>
        <message>
            <source>Settings</source>
            <translation>Paramètres</translation>
        </message>
        <message>
            <source>Language</source>
            <translation>Langue</translation>
        </message>
    </context>
    <context>
        <name>SignInWindow</name>
        <message>
            <source>The central server cannot be reached. You can still sign in offline with your usual password: you will work from this workstation's copy of the charts.</source>
            <translation>Le serveur central est injoignable. Vous pouvez quand même vous connecter hors ligne avec votre mot de passe habituel : vous travaillerez avec la copie des dossiers de ce poste.</translation>
        </message>
        <message>
            <source>ClinicDesk — Sign in</source>
            <translation>ClinicDesk — Connexion</translation>
        </message>
        <message>
            <source>ClinicDesk</source>
            <translation>ClinicDesk</translation>
        </message>
        <message>
            <source>Sign in to your clinic</source>
            <translation>Connectez-vous à votre clinique</translation>
        </message>
        <message>
            <source>Server address</source>
            <translation>Adresse du serveur</translation>
        </message>
        <message>
            <source>https://emr.example.qc.ca</source>
            <translation>https://dme.exemple.qc.ca</translation>
        </message>
        <message>
            <source>Username</source>
            <translation>Nom d'utilisateur</translation>
        </message>
        <message>
            <source>Password</source>
            <translation>Mot de passe</translation>
        </message>
        <message>
            <source>Change server</source>
            <translation>Changer de serveur</translation>
        </message>
        <message>
            <source>Sign in</source>
            <translation>Se connecter</translation>
        </message>
        <message>
            <source>Demo accounts (click to fill in):</source>
            <translation>Comptes de démonstration (cliquez pour remplir) :</translation>
        </message>
        <message>
            <source>Language</source>
            <translation>Langue</translation>
        </message>
        <message>
            <source>Enter the server address.</source>
            <translation>Entrez l'adresse du serveur.</translation>
        </message>
        <message>
            <source>Enter your username.</source>
            <translation>Entrez votre nom d'utilisateur.</translation>
        </message>
        <message>
            <source>Enter your password.</source>
            <translation>Entrez votre mot de passe.</translation>
        </message>
        <message>
            <source>Signing in…</source>
            <translation>Connexion en cours…</translation>
        </message>
        <message>
            <source>Your web browser will open to sign in to the server. The passphrase entered here protects this workstation's copy of your charts and opens it offline; on your first sign-in on this workstation, choose it now.</source>
            <translation>Votre navigateur Web s'ouvrira pour la connexion au serveur. La phrase de passe saisie ici protège la copie de vos dossiers sur ce poste et l'ouvre hors ligne; à votre première connexion sur ce poste, choisissez-la maintenant.</translation>
        </message>
        <message>
            <source>Continue in your web browser, then come back to ClinicDesk.</source>
            <translation>Poursuivez dans votre navigateur Web, puis revenez à ClinicDesk.</translation>
        </message>
        <message>
            <source>Workstation passphrase</source>
            <translation>Phrase de passe du poste</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>Annuler</translation>
        </message>
        <message>
            <source>Enter your workstation passphrase.</source>
            <translation>Saisissez la phrase de passe du poste.</translation>
        </message>
        <message>
            <source>Confirm passphrase</source>
            <translation>Confirmez la phrase de passe</translation>
        </message>
    </context>
    <context>
        <name>StatusBar</name>
        <message>
            <source>QHR key: absent</source>
            <translation>Clé DSQ : absente</translation>
        </message>
        <message>
            <source>QHR key: present</source>
            <translation>Clé DSQ : présente</translation>
        </message>
        <message>
            <source>QHR key: PIN needed</source>
            <translation>Clé DSQ : NIP requis</translation>
        </message>
        <message>
            <source>QHR key: session open</source>
            <translation>Clé DSQ : session ouverte</translation>
        </message>
        <message>
            <source>Server: online</source>
            <translation>Serveur : en ligne</translation>
        </message>
        <message>
            <source>Server: offline</source>
            <translation>Serveur : hors ligne</translation>
        </message>
        <message>
            <source>Last sync: {when}</source>
            <translation>Dernière synchro : {when}</translation>
        </message>
        <message>
            <source>Not synced yet</source>
            <translation>Pas encore synchronisé</translation>
        </message>
        <message>
            <source>Conflicts waiting: {n}</source>
            <translation>Conflits en attente : {n}</translation>
        </message>
        <message>
            <source>QHR key: smart-card service not running</source>
            <translation>Clé DSQ : service de cartes à puce arrêté</translation>
        </message>
        <message>
            <source>QHR key: blocked (PIN)</source>
            <translation>Clé DSQ : bloquée (NIP)</translation>
        </message>
    </context>
    <context>
        <name>SummaryPage</name>
        <message>
            <source>Name</source>
            <translation type="vanished">Nom</translation>
        </message>
        <message>
            <source>Birth date</source>
            <translation type="vanished">Date de naissance</translation>
        </message>
        <message>
            <source>Health insurance number</source>
            <translation type="vanished">Numéro d'assurance maladie</translation>
        </message>
        <message>
            <source>Chart number</source>
            <translation type="vanished">Numéro de dossier</translation>
        </message>
        <message>
            <source>RAMQ registration</source>
            <translation type="vanished">Inscription RAMQ</translation>
        </message>
    </context>
    <context>
        <name>UnsentChanges</name>
        <message>
            <source>Changes not sent</source>
            <translation>Modifications non envoyées</translation>
        </message>
        <message>
            <source>{n} change(s) written on this workstation have not reached the clinic's server yet. They stay queued in this workstation's encrypted store and are sent at the next connection by this user; until then, colleagues do not see them.</source>
            <translation>{n} modification(s) faite(s) sur ce poste ne sont pas encore parvenue(s) au serveur de la clinique. Elles restent en file dans la base chiffrée de ce poste et seront envoyées à la prochaine connexion de cet utilisateur; d’ici là, vos collègues ne les voient pas.</translation>
        </message>
        <message>
            <source>Stay</source>
            <translation>Rester</translation>
        </message>
        <message>
            <source>Quit anyway</source>
            <translation>Quitter quand même</translation>
        </message>
        <message>
            <source>Sign out anyway</source>
            <translation>Me déconnecter quand même</translation>
        </message>
    </context>
    <context>
        <name>WithheldNotice</name>
        <message>
            <source>This section is withheld from you: it is not empty, it is not shown.</source>
            <translation>Cette section est retenue pour vous : elle n’est pas vide, elle n’est pas affichée.</translation>
        </message>
        <message>
            <source>Break the glass…</source>
            <translation>Bris de verre…</translation>
        </message>
    </context>
    <context>
        <name>access</name>
        <message>
            <source>This account is both professional and administrative, which is not allowed: ask your administrator to correct it.</source>
            <translation>Ce compte est à la fois professionnel et administratif, ce qui n'est pas permis : demandez à votre administrateur de le corriger.</translation>
        </message>
        <message>
            <source>Your role does not give access to this information.</source>
            <translation>Votre rôle ne donne pas accès à ces renseignements.</translation>
        </message>
        <message>
            <source>Your role does not allow changing this information.</source>
            <translation>Votre rôle ne permet pas de modifier ces renseignements.</translation>
        </message>
        <message>
            <source>You are not this patient's physician and hold no mandate from them: ask the patient's physician for a mandate.</source>
            <translation>Vous n'êtes pas le médecin de ce patient et ne détenez aucun mandat de sa part : demandez un mandat au médecin du patient.</translation>
        </message>
        <message>
            <source>A secretarial mandate does not give access to clinical information.</source>
            <translation>Un mandat de secrétariat ne donne pas accès aux renseignements cliniques.</translation>
        </message>
        <message>
            <source>The patient has restricted access to this information. In an emergency, you may break the glass with a written reason; the access will be reviewed.</source>
            <translation>Le patient a restreint l'accès à ces renseignements. En cas d'urgence, vous pouvez forcer l'accès en inscrivant un motif; l'accès sera examiné.</translation>
        </message>
        <message>
            <source>The patient has refused access to their clinical information. In an emergency, you may break the glass with a written reason; the access will be reviewed.</source>
            <translation>Le patient a refusé l'accès à ses renseignements cliniques. En cas d'urgence, vous pouvez forcer l'accès en inscrivant un motif; l'accès sera examiné.</translation>
        </message>
        <message>
            <source>The patient's consent is not known on this workstation yet: connect to the server to fetch it, or break the glass with a written reason in an emergency.</source>
            <translation>Le consentement du patient n'est pas encore connu sur ce poste : connectez-vous au serveur pour l'obtenir, ou forcez l'accès avec un motif écrit en cas d'urgence.</translation>
        </message>
        <message>
            <source>The patient has restricted access to this information, and your role cannot override it.</source>
            <translation>Le patient a restreint l'accès à ces renseignements, et votre rôle ne permet pas de passer outre.</translation>
        </message>
        <message>
            <source>Type the reason for breaking the glass in a full sentence (at least {chars} characters and {words} words).</source>
            <translation>Inscrivez le motif de l'accès forcé en une phrase complète (au moins {chars} caractères et {words} mots).</translation>
        </message>
    </context>
    <context>
        <name>access_log</name>
        <message>
            <source>Only the patient's physician or the privacy officer (the clinic's administrator) may see who read this record.</source>
            <translation>Seuls le médecin du patient et le responsable de la protection des renseignements personnels (l'administrateur de la clinique) peuvent voir qui a consulté ce dossier.</translation>
        </message>
        <message>
            <source>Only the clinic's administrator may review this workstation's access log.</source>
            <translation>Seul l'administrateur de la clinique peut revoir le journal des accès de ce poste.</translation>
        </message>
    </context>
    <context>
        <name>account_request</name>
        <message>
            <source>Only staff authorised to manage user accounts of this institution may request an account.</source>
            <translation>Seul le personnel autorisé à gérer les comptes d'utilisateurs de cet établissement peut demander un compte.</translation>
        </message>
        <message>
            <source>Enter the new user's first and last name.</source>
            <translation>Entrez le prénom et le nom du nouvel utilisateur.</translation>
        </message>
        <message>
            <source>Enter a valid e-mail address.</source>
            <translation>Entrez une adresse courriel valide.</translation>
        </message>
        <message>
            <source>This looks like a shared mailbox: give an address only the new user reads.</source>
            <translation>Cette adresse semble être une boîte partagée : donnez une adresse que seul le nouvel utilisateur consulte.</translation>
        </message>
        <message>
            <source>Do not give your own e-mail address: give the new user's.</source>
            <translation>Ne donnez pas votre propre adresse courriel : donnez celle du nouvel utilisateur.</translation>
        </message>
        <message>
            <source>This e-mail address is already given for another person: each user needs their own address.</source>
            <translation>Cette adresse courriel est déjà donnée pour une autre personne : chaque utilisateur doit avoir sa propre adresse.</translation>
        </message>
        <message>
            <source>Name every institution of the new user.</source>
            <translation>Nommez chaque établissement du nouvel utilisateur.</translation>
        </message>
        <message>
            <source>Choose the primary institution among those named.</source>
            <translation>Choisissez l'établissement principal parmi ceux nommés.</translation>
        </message>
        <message>
            <source>You may request accounts only for your institutions.</source>
            <translation>Vous ne pouvez demander des comptes que pour vos établissements.</translation>
        </message>
        <message>
            <source>Administrative accounts are for administrative staff only: a health professional may not hold one.</source>
            <translation>Les comptes administratifs sont réservés au personnel administratif : un professionnel de la santé ne peut pas en détenir.</translation>
        </message>
        <message>
            <source>Enter the professional's practice number.</source>
            <translation>Entrez le numéro de permis du professionnel.</translation>
        </message>
        <message>
            <source>Enter the laboratory registration number(s) with the laboratory's name, or the user will not receive results.</source>
            <translation>Entrez le ou les numéros d'inscription de laboratoire avec le nom du laboratoire, sinon l'utilisateur ne recevra pas les résultats.</translation>
        </message>
        <message>
            <source>Give the reference account (name and id) whose mandates are copied.</source>
            <translation>Indiquez le compte de référence (nom et identifiant) dont les mandats sont copiés.</translation>
        </message>
        <message>
            <source>Enter the billing name and client number as on the invoice, e.g. "Clinique Exemple - 123".</source>
            <translation>Entrez le nom de facturation et le numéro de client tels qu'ils figurent sur la facture, p. ex. « Clinique Exemple - 123 ».</translation>
        </message>
    </context>
    <context>
        <name>chart</name>
        <message>
            <source>This chart is not on this workstation, and the central server cannot be reached.</source>
            <translation>Ce dossier n'est pas sur ce poste, et le serveur central est injoignable.</translation>
        </message>
        <message>
            <source>Encounter</source>
            <translation>Rencontre</translation>
        </message>
        <message>
            <source>Document</source>
            <translation>Document</translation>
        </message>
        <message>
            <source>Observation</source>
            <translation>Observation</translation>
        </message>
        <message>
            <source>Report</source>
            <translation>Rapport</translation>
        </message>
        <message>
            <source>Problem</source>
            <translation>Problème</translation>
        </message>
        <message>
            <source>Allergy</source>
            <translation>Allergie</translation>
        </message>
        <message>
            <source>Prescription</source>
            <translation>Ordonnance</translation>
        </message>
        <message>
            <source>Immunization</source>
            <translation>Vaccination</translation>
        </message>
        <message>
            <source>Coverage</source>
            <translation>Couverture</translation>
        </message>
        <message>
            <source>Appointment</source>
            <translation>Rendez-vous</translation>
        </message>
        <message>
            <source>Other record</source>
            <translation>Autre élément</translation>
        </message>
        <message>
            <source>Nothing in this chart may be opened by breaking the glass.</source>
            <translation>Rien dans ce dossier ne peut être ouvert par bris de verre.</translation>
        </message>
    </context>
    <context>
        <name>conflict</name>
        <message>
            <source>What</source>
            <translation>Élément</translation>
        </message>
        <message>
            <source>Medication</source>
            <translation>Médicament</translation>
        </message>
        <message>
            <source>Type</source>
            <translation>Type</translation>
        </message>
        <message>
            <source>Description</source>
            <translation>Description</translation>
        </message>
        <message>
            <source>Status</source>
            <translation>Statut</translation>
        </message>
        <message>
            <source>Clinical status</source>
            <translation>Statut clinique</translation>
        </message>
        <message>
            <source>Verification</source>
            <translation>Vérification</translation>
        </message>
        <message>
            <source>Severity</source>
            <translation>Gravité</translation>
        </message>
        <message>
            <source>Reaction</source>
            <translation>Réaction</translation>
        </message>
        <message>
            <source>Value</source>
            <translation>Valeur</translation>
        </message>
        <message>
            <source>Dosage</source>
            <translation>Posologie</translation>
        </message>
        <message>
            <source>Onset</source>
            <translation>Début</translation>
        </message>
        <message>
            <source>Resolved on</source>
            <translation>Résolu le</translation>
        </message>
        <message>
            <source>Date</source>
            <translation>Date</translation>
        </message>
        <message>
            <source>Prescribed on</source>
            <translation>Prescrit le</translation>
        </message>
        <message>
            <source>Recorded on</source>
            <translation>Inscrit le</translation>
        </message>
        <message>
            <source>Start</source>
            <translation>Début</translation>
        </message>
        <message>
            <source>Text</source>
            <translation>Texte</translation>
        </message>
        <message>
            <source>Conclusion</source>
            <translation>Conclusion</translation>
        </message>
        <message>
            <source>Notes</source>
            <translation>Notes</translation>
        </message>
        <message>
            <source>Name</source>
            <translation>Nom</translation>
        </message>
        <message>
            <source>Birth date</source>
            <translation>Date de naissance</translation>
        </message>
        <message>
            <source>Sex</source>
            <translation>Sexe</translation>
        </message>
        <message>
            <source>Telephone</source>
            <translation>Téléphone</translation>
        </message>
        <message>
            <source>Address</source>
            <translation>Adresse</translation>
        </message>
        <message>
            <source>Other details</source>
            <translation>Autres détails</translation>
        </message>
        <message>
            <source>(deleted)</source>
            <translation>(supprimé)</translation>
        </message>
    </context>
    <context>
        <name>devices</name>
        <message>
            <source>The access key could not be used.</source>
            <translation>La clé d'accès n'a pas pu être utilisée.</translation>
        </message>
        <message>
            <source>The smart-card service is not running on this computer.</source>
            <translation>Le service de cartes à puce n'est pas en marche sur cet ordinateur.</translation>
        </message>
        <message>
            <source>No smart-card reader or access key is connected.</source>
            <translation>Aucun lecteur de cartes à puce ni clé d'accès n'est branché.</translation>
        </message>
        <message>
            <source>The access key was removed.</source>
            <translation>La clé d'accès a été retirée.</translation>
        </message>
        <message>
            <source>Wrong PIN. {tries_left} attempt(s) left before the key locks.</source>
            <translation>NIP incorrect. Il reste {tries_left} essai(s) avant le blocage de la clé.</translation>
        </message>
        <message>
            <source>The access key is locked after too many wrong PINs. Call support.</source>
            <translation type="vanished">La clé d'accès est bloquée après trop de NIP incorrects. Appelez le soutien.</translation>
        </message>
        <message>
            <source>The virtual access key is only available in the demo and in tests.</source>
            <translation>La clé d'accès virtuelle n'est offerte que dans la démo et les tests.</translation>
        </message>
        <message>
            <source>The QHR access key is blocked: its PIN was entered wrong too many times, and the key cannot be used until it is unblocked. Contact the issuer of your QHR key (or your clinic's support) to have it unblocked with its PUK.</source>
            <translation>La clé d'accès DSQ est bloquée : son NIP a été mal entré trop de fois, et la clé ne peut pas servir tant qu'elle n'est pas débloquée. Communiquez avec l'émetteur de votre clé DSQ (ou le soutien de votre clinique) pour la faire débloquer avec son PUK.</translation>
        </message>
        <message>
            <source>The PIN of the QHR access key has 6 to 8 digits; {length} were typed. Nothing was sent to the key: no attempt was used.</source>
            <translation>Le NIP de la clé d'accès DSQ compte de 6 à 8 chiffres; {length} ont été entrés. Rien n'a été envoyé à la clé : aucun essai n'a été utilisé.</translation>
        </message>
        <message>
            <source>The PIN of the QHR access key has digits only (0 to 9). Nothing was sent to the key: no attempt was used.</source>
            <translation>Le NIP de la clé d'accès DSQ ne contient que des chiffres (0 à 9). Rien n'a été envoyé à la clé : aucun essai n'a été utilisé.</translation>
        </message>
        <message>
            <source>This card is not a QHR access key (or its middleware is not installed).</source>
            <translation>Cette carte n'est pas une clé d'accès DSQ (ou son logiciel n'est pas installé).</translation>
        </message>
        <message>
            <source>The key on this access key is of a type ClinicDesk cannot use: ask the issuer of your QHR key for a key with an ECC P-256/P-384 or RSA 2048/3072 certificate.</source>
            <translation>La clé de cette clé d'accès est d'un type que ClinicDesk ne peut pas utiliser : demandez à l'émetteur de votre clé DSQ une clé avec un certificat ECC P-256/P-384 ou RSA 2048/3072.</translation>
        </message>
        <message>
            <source>Wrong PIN. The key locks after a few wrong PINs: type it carefully.</source>
            <translation>NIP incorrect. La clé se bloque après quelques NIP incorrects : tapez-le avec soin.</translation>
        </message>
    </context>
    <context>
        <name>language</name>
        <message>
            <source>Français (Canada)</source>
            <translation>Français (Canada)</translation>
        </message>
        <message>
            <source>English</source>
            <translation>English</translation>
        </message>
    </context>
    <context>
        <name>nam</name>
        <message>
            <source>The health insurance number is empty.</source>
            <translation>Le numéro d'assurance maladie est vide.</translation>
        </message>
        <message>
            <source>A health insurance number has 12 characters.</source>
            <translation>Un numéro d'assurance maladie compte 12 caractères.</translation>
        </message>
        <message>
            <source>The first 4 characters must be letters.</source>
            <translation>Les 4 premiers caractères doivent être des lettres.</translation>
        </message>
        <message>
            <source>Characters 5 to 10 must be digits (birth date).</source>
            <translation>Les caractères 5 à 10 doivent être des chiffres (date de naissance).</translation>
        </message>
        <message>
            <source>Character 11 must be a digit 1-9 or a letter other than I and O.</source>
            <translation>Le 11e caractère doit être un chiffre de 1 à 9 ou une lettre autre que I et O.</translation>
        </message>
        <message>
            <source>The month must be 01-12 (men) or 51-62 (women).</source>
            <translation>Le mois doit être de 01 à 12 (hommes) ou de 51 à 62 (femmes).</translation>
        </message>
        <message>
            <source>The birth date in the number is not a real date.</source>
            <translation>La date de naissance contenue dans le numéro n'existe pas.</translation>
        </message>
        <message>
            <source>The check digit does not match.</source>
            <translation>Le chiffre de contrôle ne correspond pas.</translation>
        </message>
        <message>
            <source>The number does not match the patient's recorded birth date.</source>
            <translation>Le numéro ne correspond pas à la date de naissance inscrite au dossier.</translation>
        </message>
        <message>
            <source>The number does not match the patient's recorded sex.</source>
            <translation>Le numéro ne correspond pas au sexe inscrit au dossier.</translation>
        </message>
    </context>
    <context>
        <name>notes</name>
        <message>
            <source>You may not write notes in this chart.</source>
            <translation>Vous ne pouvez pas écrire de notes dans ce dossier.</translation>
        </message>
        <message>
            <source>The note is empty.</source>
            <translation>La note est vide.</translation>
        </message>
    </context>
    <context>
        <name>op</name>
        <message>
            <source>Something went wrong. Try again; if it happens again, call technical support.</source>
            <translation>Une erreur est survenue. Réessayez; si le problème persiste, appelez le soutien technique.</translation>
        </message>
        <message>
            <source>ClinicDesk</source>
            <translation>ClinicDesk</translation>
        </message>
    </context>
    <context>
        <name>profession</name>
        <message>
            <source>Physician</source>
            <translation>Médecin</translation>
        </message>
        <message>
            <source>Resident</source>
            <translation>Résident en médecine</translation>
        </message>
        <message>
            <source>Nurse</source>
            <translation>Infirmière ou infirmier</translation>
        </message>
        <message>
            <source>Auxiliary nurse</source>
            <translation>Infirmière auxiliaire ou infirmier auxiliaire</translation>
        </message>
        <message>
            <source>Nurse practitioner</source>
            <translation>IPS</translation>
        </message>
        <message>
            <source>Pharmacist</source>
            <translation>Pharmacien</translation>
        </message>
        <message>
            <source>Extern</source>
            <translation>Externe</translation>
        </message>
        <message>
            <source>Receptionist</source>
            <translation>Réception</translation>
        </message>
        <message>
            <source>Clinic administrator</source>
            <translation>Administrateur de la clinique</translation>
        </message>
        <message>
            <source>Technical support</source>
            <translation>Soutien technique</translation>
        </message>
    </context>
    <context>
        <name>qhr</name>
        <message>
            <source>Externs cannot access the QHR.</source>
            <translation>Les externes n'ont pas accès au DSQ.</translation>
        </message>
        <message>
            <source>Your role does not give access to the QHR.</source>
            <translation>Votre rôle ne donne pas accès au DSQ.</translation>
        </message>
        <message>
            <source>Your username contains letters: use the production QHR.</source>
            <translation>Votre nom d'utilisateur contient des lettres : utilisez le DSQ de production.</translation>
        </message>
        <message>
            <source>Technical support needs an account id of seven digits: ask your administrator.</source>
            <translation>Le soutien technique doit avoir un identifiant de compte de sept chiffres : adressez-vous à votre administrateur.</translation>
        </message>
        <message>
            <source>Your CMQ practice number is not in your profile: ask your administrator.</source>
            <translation>Votre numéro de permis du CMQ n'est pas inscrit à votre profil : adressez-vous à votre administrateur.</translation>
        </message>
        <message>
            <source>No institution is recorded in your profile: ask your administrator.</source>
            <translation>Aucun établissement n'est inscrit à votre profil : adressez-vous à votre administrateur.</translation>
        </message>
        <message>
            <source>Your institution's RAMQ billing number is missing. Ask your manager to provide it (a private clinic needs a unique identification number instead).</source>
            <translation>Le numéro de facturation RAMQ de votre établissement est manquant. Demandez-le à votre gestionnaire (une clinique privée a plutôt besoin d'un numéro d'identification unique).</translation>
        </message>
        <message>
            <source>Complete the access form: your account predates February 2018.</source>
            <translation>Remplissez le formulaire d'accès : votre compte date d'avant février 2018.</translation>
        </message>
        <message>
            <source>Your QHR key identifier is not in your profile: ask your administrator.</source>
            <translation>L'identifiant de votre clé DSQ n'est pas inscrit à votre profil : adressez-vous à votre administrateur.</translation>
        </message>
        <message>
            <source>Plug in your QHR key.</source>
            <translation>Branchez votre clé DSQ.</translation>
        </message>
        <message>
            <source>The QHR key plugged in is not the one in your profile: plug in your own key.</source>
            <translation>La clé DSQ branchée n'est pas celle de votre profil : branchez votre propre clé.</translation>
        </message>
        <message>
            <source>The QHR viewer could not be opened.</source>
            <translation>Le visualiseur du DSQ n'a pas pu s'ouvrir.</translation>
        </message>
        <message>
            <source>The QHR session is closed: plug in your key and enter your PIN again.</source>
            <translation>La session DSQ est fermée : branchez votre clé et entrez de nouveau votre NIP.</translation>
        </message>
        <message>
            <source>The QHR service cannot be reached. Try again in a moment.</source>
            <translation>Le service du DSQ est injoignable. Réessayez dans un moment.</translation>
        </message>
        <message>
            <source>The QHR session has expired: enter your PIN again.</source>
            <translation>La session DSQ a expiré : entrez de nouveau votre NIP.</translation>
        </message>
        <message>
            <source>The QHR service refused access with this key.</source>
            <translation>Le service du DSQ a refusé l'accès avec cette clé.</translation>
        </message>
    </context>
    <context>
        <name>ramq</name>
        <message>
            <source>Enter the full name of the establishment.</source>
            <translation>Entrez le nom complet de l'établissement.</translation>
        </message>
        <message>
            <source>Choose the import type: FMG or non-FMG (one per institution).</source>
            <translation>Choisissez le type d'importation : GMF ou non-GMF (un seul par établissement).</translation>
        </message>
        <message>
            <source>An FMG import needs the FMG reference number (1XXX).</source>
            <translation>Une importation GMF demande le numéro de référence du GMF (1XXX).</translation>
        </message>
        <message>
            <source>The FMG reference number has the form 1XXX.</source>
            <translation>Le numéro de référence du GMF a la forme 1XXX.</translation>
        </message>
        <message>
            <source>A non-FMG import has no FMG reference number: leave it empty.</source>
            <translation>Une importation non-GMF n'a pas de numéro de référence GMF : laissez-le vide.</translation>
        </message>
        <message>
            <source>Enter the AIP access code given by RAMQ (letters and digits).</source>
            <translation>Entrez le code d'accès AIP fourni par la RAMQ (lettres et chiffres).</translation>
        </message>
        <message>
            <source>Enter the password of this AIP access code.</source>
            <translation>Entrez le mot de passe de ce code d'accès AIP.</translation>
        </message>
        <message>
            <source>The two AIP identifiers must be different.</source>
            <translation>Les deux identifiants AIP doivent être différents.</translation>
        </message>
        <message>
            <source>This AIP access code is already used by another system: an AIP code may be used by one system at a time. Ask RAMQ for codes reserved for ClinicDesk.</source>
            <translation>Ce code d'accès AIP est déjà utilisé par un autre système : un code AIP ne peut servir qu'à un système à la fois. Demandez à la RAMQ des codes réservés à ClinicDesk.</translation>
        </message>
        <message>
            <source>The place-of-follow-up number is the billing establishment number, 5XXXX or 6XXXX.</source>
            <translation>Le numéro du lieu de suivi est le numéro d'établissement de facturation, 5XXXX ou 6XXXX.</translation>
        </message>
        <message>
            <source>Enter a CE identifier (administrative staff) or an IP identifier (solo physician).</source>
            <translation>Entrez un identifiant CE (personnel administratif) ou un identifiant IP (médecin en pratique seule).</translation>
        </message>
        <message>
            <source>Enter the full name (first and last) of the CE identifier's owner.</source>
            <translation>Entrez le nom complet (prénom et nom) du titulaire de l'identifiant CE.</translation>
        </message>
        <message>
            <source>Enter the password of the CE identifier.</source>
            <translation>Entrez le mot de passe de l'identifiant CE.</translation>
        </message>
        <message>
            <source>The central server cannot be reached and this NAM has not been looked up on this workstation before.</source>
            <translation>Le serveur central est injoignable et ce NAM n'a jamais été consulté sur ce poste.</translation>
        </message>
        <message>
            <source>This is not a valid health insurance number (NAM).</source>
            <translation>Ce n'est pas un numéro d'assurance maladie (NAM) valide.</translation>
        </message>
        <message>
            <source>Only an authorised administrator may use this form.</source>
            <translation>Seul un administrateur autorisé peut utiliser ce formulaire.</translation>
        </message>
    </context>
    <context>
        <name>search</name>
        <message>
            <source>Type what to search for. Search by health insurance number, chart number, or surname, first name and birth date.</source>
            <translation>Entrez ce que vous cherchez. Cherchez par numéro d'assurance maladie, par numéro de dossier, ou par nom, prénom et date de naissance.</translation>
        </message>
        <message>
            <source>The search is too long. Search by health insurance number, chart number, or surname, first name and birth date.</source>
            <translation>La recherche est trop longue. Cherchez par numéro d'assurance maladie, par numéro de dossier, ou par nom, prénom et date de naissance.</translation>
        </message>
        <message>
            <source>Wildcards (* % ? _) are not allowed: a search finds one person. Search by health insurance number, chart number, or surname, first name and birth date.</source>
            <translation>Les caractères génériques (* % ? _) ne sont pas permis : une recherche trouve une seule personne. Cherchez par numéro d'assurance maladie, par numéro de dossier, ou par nom, prénom et date de naissance.</translation>
        </message>
        <message>
            <source>Names may contain only letters, spaces, hyphens and apostrophes. Search by health insurance number, chart number, or surname, first name and birth date.</source>
            <translation>Les noms ne peuvent contenir que des lettres, des espaces, des traits d'union et des apostrophes. Cherchez par numéro d'assurance maladie, par numéro de dossier, ou par nom, prénom et date de naissance.</translation>
        </message>
        <message>
            <source>Type the full surname and first name, not initials or the first letters.</source>
            <translation>Entrez le nom et le prénom au complet, pas des initiales ni les premières lettres.</translation>
        </message>
        <message>
            <source>Add the surname and first name: a search needs the surname, first name and birth date.</source>
            <translation>Ajoutez le nom et le prénom : une recherche demande le nom, le prénom et la date de naissance.</translation>
        </message>
        <message>
            <source>Add the first name: a search needs the surname, first name and birth date.</source>
            <translation>Ajoutez le prénom : une recherche demande le nom, le prénom et la date de naissance.</translation>
        </message>
        <message>
            <source>Add the birth date (e.g. 1985-03-14 or 14/03/1985): a search needs the surname, first name and birth date.</source>
            <translation>Ajoutez la date de naissance (p. ex. 1985-03-14 ou 14/03/1985) : une recherche demande le nom, le prénom et la date de naissance.</translation>
        </message>
        <message>
            <source>Type a single birth date.</source>
            <translation>Entrez une seule date de naissance.</translation>
        </message>
        <message>
            <source>The birth date is not a real date: type it as YYYY-MM-DD or DD/MM/YYYY.</source>
            <translation>La date de naissance n'existe pas : entrez-la sous la forme AAAA-MM-JJ ou JJ/MM/AAAA.</translation>
        </message>
        <message>
            <source>The birth date is in the future.</source>
            <translation>La date de naissance est dans le futur.</translation>
        </message>
        <message>
            <source>More than {count} patients match: refine your search (add the NAM or the birth date).</source>
            <translation>Plus de {count} patients correspondent : précisez votre recherche (ajoutez le NAM ou la date de naissance).</translation>
        </message>
        <message>
            <source>Not in this workstation's cache — connect to search the clinic.</source>
            <translation>Absent de la copie de ce poste — connectez-vous pour chercher dans toute la clinique.</translation>
        </message>
    </context>
    <context>
        <name>server</name>
        <message>
            <source>The server address must start with https:// (a connection without encryption would send your password and the charts in clear). Only this computer's own address (localhost, 127.0.0.1) may use http://.</source>
            <translation>L'adresse du serveur doit commencer par https:// (une connexion sans chiffrement enverrait votre mot de passe et les dossiers en clair). Seule l'adresse de cet ordinateur (localhost, 127.0.0.1) peut utiliser http://.</translation>
        </message>
        <message>
            <source>This is not a server address: write it as https://emr.example.qc.ca</source>
            <translation>Ce n'est pas une adresse de serveur : écrivez-la comme https://emr.example.qc.ca</translation>
        </message>
    </context>
    <context>
        <name>session</name>
        <message>
            <source>Wrong username or password.</source>
            <translation>Nom d'utilisateur ou mot de passe incorrect.</translation>
        </message>
        <message>
            <source>The central server cannot be reached, and you have never signed in on this workstation: sign in once while the server is reachable.</source>
            <translation>Le serveur central est injoignable et vous ne vous êtes jamais connecté sur ce poste : connectez-vous une première fois pendant que le serveur est joignable.</translation>
        </message>
        <message>
            <source>Sign-in in the web browser was not completed. Try again.</source>
            <translation>La connexion dans le navigateur Web n'a pas été terminée. Réessayez.</translation>
        </message>
        <message>
            <source>The web browser could not be opened to sign in to the server.</source>
            <translation>Le navigateur Web n'a pas pu être ouvert pour la connexion au serveur.</translation>
        </message>
        <message>
            <source>You signed in in the web browser as another user than the one entered here.</source>
            <translation>Vous vous êtes connecté dans le navigateur Web avec un autre utilisateur que celui saisi ici.</translation>
        </message>
        <message>
            <source>This server offers no sign-in that ClinicDesk can use.</source>
            <translation>Ce serveur n'offre aucun mode de connexion que ClinicDesk peut utiliser.</translation>
        </message>
        <message>
            <source>Choose a passphrase of at least {n} characters: a few words you will remember, spaces allowed.</source>
            <translation>Choisissez une phrase de passe d'au moins {n} caractères : quelques mots dont vous vous souviendrez, espaces permis.</translation>
        </message>
        <message>
            <source>This passphrase is too easy to guess (your username, a common password or a simple sequence): choose another one.</source>
            <translation>Cette phrase de passe est trop facile à deviner (votre nom d'utilisateur, un mot de passe courant ou une suite simple) : choisissez-en une autre.</translation>
        </message>
        <message>
            <source>Type your passphrase again to confirm it.</source>
            <translation>Saisissez de nouveau votre phrase de passe pour la confirmer.</translation>
        </message>
        <message>
            <source>The two passphrases differ: type the same passphrase in both fields.</source>
            <translation>Les deux phrases de passe diffèrent : saisissez la même phrase de passe dans les deux champs.</translation>
        </message>
    </context>
    <context>
        <name>store</name>
        <message>
            <source>The local chart store failed.</source>
            <translation>Le stockage local des dossiers a échoué.</translation>
        </message>
        <message>
            <source>There is no local store for this user on this computer.</source>
            <translation>Il n'y a pas de stockage local pour cet utilisateur sur cet ordinateur.</translation>
        </message>
        <message>
            <source>A local store already exists for this user.</source>
            <translation>Un stockage local existe déjà pour cet utilisateur.</translation>
        </message>
        <message>
            <source>The password is not correct.</source>
            <translation>Le mot de passe est incorrect.</translation>
        </message>
        <message>
            <source>The key of the local store is missing from the system keyring. The store was kept; sign in online to rebuild it, or ask support to restore the keyring entry.</source>
            <translation>La clé du stockage local est absente du trousseau du système. Le stockage a été conservé; connectez-vous en ligne pour le reconstruire, ou demandez au soutien de restaurer l'entrée du trousseau.</translation>
        </message>
        <message>
            <source>The key found does not belong to this local store. The store was kept unchanged.</source>
            <translation>La clé trouvée n'appartient pas à ce stockage local. Le stockage a été conservé tel quel.</translation>
        </message>
        <message>
            <source>The local store is damaged and cannot be read. It was kept unchanged for support.</source>
            <translation>Le stockage local est endommagé et illisible. Il a été conservé tel quel pour le soutien.</translation>
        </message>
        <message>
            <source>The local store was written by a newer version of ClinicDesk (version {found}, this one knows up to {known}). Install the newer version to open it.</source>
            <translation>Le stockage local a été écrit par une version plus récente de ClinicDesk (version {found}; celle-ci connaît jusqu'à la {known}). Installez la version plus récente pour l'ouvrir.</translation>
        </message>
        <message>
            <source>The disk is full: the change was not saved. Free some space and try again.</source>
            <translation>Le disque est plein : la modification n'a pas été enregistrée. Libérez de l'espace et réessayez.</translation>
        </message>
        <message>
            <source>No secure system keyring is available (found: {backend}). ClinicDesk will not keep patient data under a key stored in plain text.</source>
            <translation>Aucun trousseau système sécurisé n'est disponible (trouvé : {backend}). ClinicDesk ne conservera pas de données de patients sous une clé stockée en clair.</translation>
        </message>
        <message>
            <source>The system keyring could not be reached. Sign in to your session again and retry.</source>
            <translation>Le trousseau du système est inaccessible. Rouvrez votre session et réessayez.</translation>
        </message>
        <message>
            <source>The local store is closed.</source>
            <translation>Le stockage local est fermé.</translation>
        </message>
        <message>
            <source>The key file beside the local store is missing. The store was kept unchanged; restore the file, or sign in online to rebuild the store.</source>
            <translation>Le fichier de clé à côté du stockage local est absent. Le stockage a été conservé tel quel; restaurez le fichier, ou connectez-vous en ligne pour reconstruire le stockage.</translation>
        </message>
        <message>
            <source>Too many wrong passwords. Try again in {seconds} s.</source>
            <translation>Trop de mots de passe erronés. Réessayez dans {seconds} s.</translation>
        </message>
    </context>
    <context>
        <name>sync</name>
        <message>
            <source>Please sign in again to the central server.</source>
            <translation>Veuillez vous reconnecter au serveur central.</translation>
        </message>
        <message>
            <source>The central server refused access to this record.</source>
            <translation>Le serveur central a refusé l'accès à ce dossier.</translation>
        </message>
        <message>
            <source>The central server sent only part of this record; nothing of it was saved. Try again later; if it persists, tell the server's administrator.</source>
            <translation>Le serveur central n'a envoyé qu'une partie de ce dossier; rien n'en a été enregistré. Réessayez plus tard; si cela persiste, avisez l'administrateur du serveur.</translation>
        </message>
        <message>
            <source>This record is no longer on the central server.</source>
            <translation>Ce dossier n'est plus sur le serveur central.</translation>
        </message>
        <message>
            <source>Someone else changed this record; choose which version to keep.</source>
            <translation>Quelqu'un d'autre a modifié ce dossier; choisissez la version à garder.</translation>
        </message>
        <message>
            <source>The central server rejected a request (error {status}).</source>
            <translation>Le serveur central a rejeté une requête (erreur {status}).</translation>
        </message>
        <message>
            <source>The central server has a problem (error {status}).</source>
            <translation>Le serveur central éprouve un problème (erreur {status}).</translation>
        </message>
        <message>
            <source>The central server cannot be reached.</source>
            <translation>Le serveur central est injoignable.</translation>
        </message>
        <message>
            <source>The central server did not answer in time.</source>
            <translation>Le serveur central n'a pas répondu à temps.</translation>
        </message>
        <message>
            <source>The central server sent an answer that cannot be read.</source>
            <translation>Le serveur central a envoyé une réponse illisible.</translation>
        </message>
        <message>
            <source>Working offline: changes are kept and will be sent when the server is back.</source>
            <translation>Travail hors ligne : les modifications sont conservées et seront envoyées au retour du serveur.</translation>
        </message>
        <message>
            <source>The central server's certificate is not trusted; the connection was refused.</source>
            <translation>Le certificat du serveur central n'est pas reconnu; la connexion a été refusée.</translation>
        </message>
        <message>
            <source>Too many failed sign-in attempts for this account or from this workstation. Try again in {minutes} min.</source>
            <translation>Trop de tentatives de connexion échouées pour ce compte ou depuis ce poste. Réessayez dans {minutes} min.</translation>
        </message>
    </context>
</TS>
