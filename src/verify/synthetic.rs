//! Synthetic Security events 4624 for the verification fixture estate (`tests/fixtures/verify`), as large as
//! asked: for benchmarks and for measuring memory on files of any size.

use std::io::{self, Write};

/// Writes `n` logon events in the shape `wevtutil qe Security /f:xml` gives them (about 1.7 KB each), inside
/// an `<Events>` root when `root` (what `wevtutil /e:Events` adds, and what a validating reader needs).
///
/// Of every 100 events: 40 helpdesk logons with Restricted Admin, 39 administrator logons with Remote
/// Credential Guard, 1 administrator logon with plain RDP (a violation once its stage is applied), 15 network
/// logons (type 3, not Remote Desktop) and 5 logons no path explains.
pub fn write_events(out: &mut impl Write, n: u64, root: bool) -> io::Result<()> {
    if root {
        out.write_all(b"<Events>\n")?;
    }
    for i in 0..n {
        let (computer, user, ltype, ws, ip, ra, rcg) = match i % 100 {
            0..40 => ("WS-01", "bob", 10, "HD-01", "10.0.1.21", "%%1842", "%%1843"),
            40..79 => (
                "SRV-01",
                "alice",
                10,
                "PAW-01",
                "10.0.0.11",
                "%%1843",
                "%%1842",
            ),
            79 => (
                "SRV-01",
                "alice",
                10,
                "PAW-01",
                "10.0.0.11",
                "%%1843",
                "%%1843",
            ),
            80..95 => ("SRV-01", "alice", 3, "PAW-01", "10.0.0.11", "-", "-"),
            _ => (
                "SRV-01",
                "mallory",
                10,
                "-",
                "10.0.0.66",
                "%%1843",
                "%%1843",
            ),
        };
        let secs = i % 86_400;
        writeln!(
            out,
            "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>\
             <Provider Name='Microsoft-Windows-Security-Auditing' Guid='{{54849625-5478-4994-a5ba-3e3b0328c30d}}'/>\
             <EventID>4624</EventID><Version>3</Version><Level>0</Level><Task>12544</Task><Opcode>0</Opcode>\
             <Keywords>0x8020000000000000</Keywords><TimeCreated SystemTime='2026-11-30T{:02}:{:02}:{:02}.{:07}Z'/>\
             <EventRecordID>{}</EventRecordID><Correlation ActivityID='{{0F2E7A1C-7D1B-0001-5C7B-2E0F1B7DDB01}}'/>\
             <Execution ProcessID='812' ThreadID='4120'/><Channel>Security</Channel>\
             <Computer>{computer}.corp.example.com</Computer><Security/></System><EventData>\
             <Data Name='SubjectUserSid'>S-1-5-18</Data><Data Name='SubjectUserName'>{computer}$</Data>\
             <Data Name='SubjectDomainName'>CORP</Data><Data Name='SubjectLogonId'>0x3e7</Data>\
             <Data Name='TargetUserSid'>S-1-5-21-1004336348-1177238915-682003330-1105</Data>\
             <Data Name='TargetUserName'>{user}</Data><Data Name='TargetDomainName'>CORP</Data>\
             <Data Name='TargetLogonId'>0x{:x}</Data><Data Name='LogonType'>{ltype}</Data>\
             <Data Name='LogonProcessName'>User32 </Data><Data Name='AuthenticationPackageName'>Negotiate</Data>\
             <Data Name='WorkstationName'>{ws}</Data><Data Name='LogonGuid'>{{00000000-0000-0000-0000-000000000000}}</Data>\
             <Data Name='TransmittedServices'>-</Data><Data Name='LmPackageName'>-</Data><Data Name='KeyLength'>0</Data>\
             <Data Name='ProcessId'>0x1c4</Data><Data Name='ProcessName'>C:\\Windows\\System32\\svchost.exe</Data>\
             <Data Name='IpAddress'>{ip}</Data><Data Name='IpPort'>0</Data><Data Name='ImpersonationLevel'>%%1833</Data>\
             <Data Name='RestrictedAdminMode'>{ra}</Data><Data Name='RemoteCredentialGuard'>{rcg}</Data>\
             <Data Name='TargetOutboundUserName'>-</Data><Data Name='TargetOutboundDomainName'>-</Data>\
             <Data Name='VirtualAccount'>%%1843</Data><Data Name='TargetLinkedLogonId'>0x0</Data>\
             <Data Name='ElevatedToken'>%%1842</Data></EventData></Event>",
            secs / 3600,
            secs / 60 % 60,
            secs % 60,
            i % 10_000_000,
            1_000_000 + i,
            0x5a_0000 + i
        )?;
    }
    if root {
        out.write_all(b"</Events>\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_is_as_documented() {
        let mut buf = Vec::new();
        write_events(&mut buf, 200, true).unwrap();
        let mut counts = [0u32; 3];
        let total = super::super::read_logons(&buf[..], |l| {
            if l.logon_type == 10 {
                counts[super::super::seen_mode(l).expect("a mode").index().min(2)] += 1;
            }
        })
        .unwrap();
        assert_eq!(total, 200);
        // standard: 2 violations + 10 unmatched; remote-guard 78; restricted-admin 80.
        assert_eq!(counts, [12, 78, 80]);
    }
}
